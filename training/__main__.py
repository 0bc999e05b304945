"""``accelerate launch -m training --config configs/training/<name>.yaml [--key value ...]``.

The YAML's keys are TRL ``SFTConfig`` / ``ModelConfig`` fields plus the data section
(``training.data.DataArguments``); any key can be overridden on the command line (TrlParser).
"""

from __future__ import annotations

import sys

from .data import DataArguments, DataError


def main(argv: list[str] | None = None) -> int:
    from trl import ModelConfig, SFTConfig, TrlParser

    parser = TrlParser((DataArguments, SFTConfig, ModelConfig), prog="python -m training")
    try:
        data_args, training_args, model_args = parser.parse_args_and_config(args=argv)
    except (ValueError, FileNotFoundError, OSError) as exc:
        print(f"error: invalid training config: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    from .sft import train

    try:
        out = train(data_args, training_args, model_args)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"model saved to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
