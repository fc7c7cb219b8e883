"""Drive `patchbay mcp` with the official MCP Python SDK's stdio client, as an assistant would.

Reads a plan as JSON on stdin:
    {"command": "/path/to/patchbay", "args": ["mcp", ...], "env": {...}, "mode": "auto" | "legacy",
     "calls": [["tool_name", {...arguments}], ...], "stderr": "/path/to/server-stderr.log"}
connects (mode "auto": the SDK's `server/discover` probe with its fall-back; "legacy": the `initialize`
handshake), lists the tools, makes the calls in order, and prints one JSON report on stdout:
    {"protocol_version", "server_name", "instructions", "tools": [{name, description, annotations,
     input_schema, output_schema}], "results": [{"is_error", "structured", "text"}]}
The Rust test (crates/patchbay-cli/tests/mcp.rs) makes the connections, writes the plan and asserts on the report
and on the sandbox. Assertions live there, next to the sandbox's state.
"""

import asyncio
import json
import sys

from mcp import Client
from mcp.client.stdio import StdioServerParameters


def dump(model):
    return None if model is None else model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def main() -> None:
    plan = json.load(sys.stdin)
    params = StdioServerParameters(command=plan["command"], args=plan["args"], env=plan.get("env"))
    report = {"tools": [], "results": []}
    with open(plan["stderr"], "w", encoding="utf-8") as errlog:
        # The SDK spawns the server with errlog as its stderr.
        import mcp.client.stdio as stdio

        original = stdio.stdio_client

        def with_errlog(server, errlog_=errlog):
            return original(server, errlog=errlog_)

        stdio.stdio_client = with_errlog
        import mcp.client.client as client_module

        client_module.stdio_client = with_errlog
        async with Client(params, mode=plan.get("mode", "auto"), read_timeout_seconds=60) as client:
            report["protocol_version"] = client.protocol_version
            info = client.server_info
            report["server_name"] = info.name if info else None
            report["instructions"] = client.instructions
            listed = await client.list_tools()
            for tool in listed.tools:
                report["tools"].append(
                    {
                        "name": tool.name,
                        "description": tool.description,
                        "annotations": dump(tool.annotations),
                        "input_schema": tool.input_schema,
                        "output_schema": tool.output_schema,
                    }
                )
            for name, arguments in plan.get("calls", []):
                result = await client.call_tool(name, arguments)
                texts = [c.text for c in result.content if getattr(c, "type", None) == "text"]
                report["results"].append(
                    {
                        "tool": name,
                        "is_error": result.is_error,
                        "structured": result.structured_content,
                        "text": "\n".join(texts),
                    }
                )
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    asyncio.run(main())
