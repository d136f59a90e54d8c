#!/usr/bin/env python3
"""Converts recorded VCR cassettes (YAML) into the JSON fixtures the tests read.

Run by a developer when the reference recordings change:
    python3 scripts/import-cassettes.py SRC_DIR Tests/GenerationCoreTests/Fixtures/cassettes
Tests never read the source directory; they read the converted copies in Tests/.
"""
import json
import os
import sys

import yaml


def main(src, dst):
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(src, name), encoding="utf-8") as f:
            cassette = yaml.safe_load(f)
        interactions = []
        for item in cassette.get("interactions", []):
            request, response = item["request"], item["response"]
            headers = {k.lower(): v[0] if isinstance(v, list) else v for k, v in (response.get("headers") or {}).items()}
            body = response.get("body", {}).get("string", "")
            if isinstance(body, bytes):
                body = body.decode("utf-8")
            interactions.append({
                "method": request["method"],
                "uri": request["uri"],
                "request_body": request.get("body"),
                "status": response["status"]["code"],
                "content_type": headers.get("content-type", ""),
                "response_body": body,
            })
        out = os.path.join(dst, name[:-5] + ".json")
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"source": name, "interactions": interactions}, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
