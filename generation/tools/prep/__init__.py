"""Tool preparation: seed tools -> generated, de-duplicated tools -> return schemas; SQL tools on real schemas."""

from .prepare import ToolPrepResult, prepare_tools
from .return_schemas import ReturnSchemaResult, attach_return_schemas
from .seeds import load_bfcl_multi_turn_tools, load_seed_tools, load_tau2_tools
from .sql_design import DesignSettings, SqlDesign, design_sql_tools
from .sql_tools import SqlToolResult, build_sql_tools

__all__ = [
    "DesignSettings", "ReturnSchemaResult", "SqlDesign", "SqlToolResult", "ToolPrepResult", "attach_return_schemas",
    "build_sql_tools", "design_sql_tools", "load_bfcl_multi_turn_tools", "load_seed_tools", "load_tau2_tools",
    "prepare_tools",
]
