"""A tiny random Qwen3 (config + tokenizer trained with `tokenizers` + Qwen3's chat template), offline.

For tests and CPU smoke runs: no download, seconds to build.
"""

from __future__ import annotations

import json
from pathlib import Path

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>",
           "<tool_response>", "</tool_response>", "<think>", "</think>"]


def qwen3_chat_template() -> str:
    import trl

    return (Path(trl.__file__).parent / "chat_templates" / "qwen3.jinja").read_text()


def record_corpus(records: list[dict]) -> list[str]:
    """Tokenizer training text from dialogue records: their tools and messages as JSON."""
    return [json.dumps(r.get("tools")) + json.dumps(r.get("messages")) for r in records]


def build_tiny_qwen3(directory: Path, corpus: list[str], vocab_size: int = 1024, hidden_size: int = 64,
                     layers: int = 2) -> Path:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen3Config, Qwen3ForCausalLM

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tokenizer.chat_template = qwen3_chat_template()
    config = Qwen3Config(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=2 * hidden_size, num_hidden_layers=layers,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, tie_word_embeddings=True,
        max_position_embeddings=16384, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    Qwen3ForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Build the tiny random Qwen3 (offline) for CPU smoke runs.")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True, help="a JSONL file of dialogue records (tokenizer text)")
    parser.add_argument("--vocab-size", type=int, default=4096)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.corpus.read_text().splitlines()[:200] if line]
    if not rows:
        raise SystemExit(f"error: no records in {args.corpus}")
    build_tiny_qwen3(args.output, record_corpus(rows), vocab_size=args.vocab_size)
    print(f"tiny Qwen3 written to {args.output}")


if __name__ == "__main__":
    main()
