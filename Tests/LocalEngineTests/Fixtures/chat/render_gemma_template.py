#!/usr/bin/env python3
"""Renders gemma3_chat_template.jinja (Gemma 3's chat_template from google/gemma-3-*-it tokenizer_config.json,
as quoted in the Berkeley Function-Calling Leaderboard's Gemma handler) with jinja2, the way transformers'
apply_chat_template does (trim_blocks and lstrip_blocks on, raise_exception defined), into gemma3_rendered.json.
Run: python3 render_gemma_template.py (needs jinja2). Not run by the tests: they read the rendered strings."""
import json, os
import jinja2

HERE = os.path.dirname(os.path.abspath(__file__))

def raise_exception(message):
    raise ValueError(message)

env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
env.globals["raise_exception"] = raise_exception
template = env.from_string(open(os.path.join(HERE, "gemma3_chat_template.jinja")).read())

CASES = [
    ("user only", [{"role": "user", "content": "What is the capital of France?"}]),
    ("system and user", [{"role": "system", "content": "You answer in one short sentence."},
                          {"role": "user", "content": "What is the capital of France?"}]),
    ("multi-turn", [{"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi!"},
                    {"role": "assistant", "content": "Hello. How can I help?"},
                    {"role": "user", "content": "Name a colour."}]),
    ("whitespace is trimmed", [{"role": "user", "content": "  padded \n\n"},
                               {"role": "assistant", "content": "\nreply  "},
                               {"role": "user", "content": "again"}]),
    ("unicode and special text", [{"role": "user", "content": "日本語 😀 <b>bold</b>"}]),
]
out = []
for name, messages in CASES:
    for add in (True, False):
        out.append({"name": name, "add_generation_prompt": add, "messages": messages,
                    "rendered": template.render(messages=messages, bos_token="<bos>", add_generation_prompt=add)})
for name, messages in [("two users in a row", [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]),
                       ("assistant first", [{"role": "assistant", "content": "a"}])]:
    try:
        template.render(messages=messages, bos_token="<bos>", add_generation_prompt=True)
        raise SystemExit("expected an error for " + name)
    except ValueError as e:
        out.append({"name": name, "add_generation_prompt": True, "messages": messages, "error": str(e)})
json.dump({"source": "gemma3_chat_template.jinja rendered by jinja2 " + jinja2.__version__ + " (render_gemma_template.py)",
           "cases": out}, open(os.path.join(HERE, "gemma3_rendered.json"), "w"), indent=1, ensure_ascii=False)
print(len(out), "cases")
