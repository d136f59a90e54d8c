import GenerationCore
import LocalEngine

/// `tgplay --help`. Kept in step with README.md and the command-line contract in the design notes.
enum Help {
    static let text = """
    tgplay \(versionString): a terminal playground for text generation: TGI, OpenAI-compatible servers (vLLM,
    SGLang, llama.cpp, llama-cpp-python, Ollama, TGI's /v1, the Hugging Face router) and a built-in engine

    USAGE
      tgplay [BACKEND] [--theme NAME] [--session FILE]    open the playground (F1 there lists every key); the
                                                           session (prompt, parameters, compare sets, runs,
                                                           branches) autosaves to FILE, default
                                                           $XDG_STATE_HOME/tgplay/session.json
      tgplay generate [BACKEND] [--stream] [--input FILE]  send one TGI request body (JSON) from FILE or stdin
      tgplay tokenize [BACKEND] [--input FILE]             {"inputs": "..."} -> TGI /tokenize answer
      tgplay info     [BACKEND]                            TGI /info answer
      tgplay chat     [BACKEND] [--stream] [--input FILE]  {"messages": [{"role", "content"}...], "parameters": {TGI's},
                                                           "continue_final_message"?} -> an OpenAI-style
                                                           chat.completion with logprobs (chunks with --stream)
      tgplay template [BACKEND] [--input FILE]             the same input -> {"templated_text", "source"}: the
                                                           exact text the model is fed, and which template
                                                           made it
      tgplay compare  [BACKEND] --input FILE               2-4 parameter sets on one prompt with one seed:
                                                           {"inputs", "parameters", "sets": [{"name",
                                                           "parameters", "endpoint"?}]} -> one JSON object with
                                                           each set's response or error, stats, and the first
                                                           divergent token; exit 1 if any set failed
      tgplay explain  [BACKEND] --input FILE               a TGI request body -> one JSON line per generated
                                                           token: {"index", "token", "probabilities" (what the
                                                           numbers are: processed, raw, unknown), "top_tokens",
                                                           "stages"?, "above_chosen"?, "generated_text"?,
                                                           "finish_reason"?}; on the built-in engine "stages"
                                                           lists "raw" then each processor that ran, in the
                                                           order applied: {"name", "support", "kept_mass",
                                                           "entropy" (nats), "chosen_rank", "chosen_logprob",
                                                           "top" (10)}, and "above_chosen" the tokens the raw
                                                           model preferred: {"token", "raw_rank", "removed_by",
                                                           "passed_at"}. Asks for top_n_tokens 5 and details
                                                           when the body does not
      tgplay sample-tree [BACKEND] --input FILE --n N --depth K [--accepted TEXT]
                                                           a TGI request body -> N (8-64, default 16)
                                                           samples of up to K (1-12, default 8) tokens after
                                                           the prompt (+ TEXT) as one JSON tree: {"inputs",
                                                           "samples", "depth", "seed" (sample i used seed + i),
                                                           "probabilities", "children": [{"token", "count",
                                                           "path_logprob", "ended", "children"}]}, most
                                                           frequent first; one shared prefill on the built-in
                                                           engine, N requests (4 at a time) elsewhere
      tgplay step [BACKEND] --input FILE --steps K [--force TEXT]
                                                           K one-token steps, then TEXT forced (tokenized, each
                                                           token scored): one JSON line per token {"step",
                                                           "token", "forced", "probabilities", "top_tokens",
                                                           "stages"?}; forced tokens carry the model's raw
                                                           logprob (prompt scoring's)
      tgplay bench engine [--model PATH] [--threads N] [--prompt-tokens N] [--gen-tokens N] [--grammar json]
                          [--stages] [--single-thread 0|1]
                                                           built-in engine speed: one JSON line with load_s,
                                                           prefill_tok_s, prefill_s, decode_tok_s, peak_rss_mb,
                                                           threads, kernels, bandwidth_gb_s,
                                                           weights_mb_per_token, decode_fraction_of_bandwidth,
                                                           prefill_gflops, fma_peak_gflops,
                                                           prefill_fraction_of_peak and single_thread (the
                                                           same run on one thread; --single-thread 0 skips it);
                                                           --grammar json adds a JSON-schema constrained run;
                                                           --stages a sampled decode without and with the
                                                           per-token stage trace (explain's): decode tok/s
                                                           and the sampling step's thread-CPU ms per token,
                                                           min/median/max, and the overhead
      tgplay bench tree [--n N] [--depth K] [--prompt-tokens N] [--runs N]
                                                           built-in engine: a sampled tree (default 32 x 8
                                                           tokens after 256) with one shared prefill against N
                                                           generate calls, warm (prefix reuse) and cold;
                                                           seconds min/median/max and evaluated tokens
      tgplay watermark-detect [--model PATH] [--input FILE]
                                                           z-score of the built-in engine's watermark in text
      tgplay bench ui                                      playground rendering: frames/s and per-token cost
                                                           on 200x60 with 20,000 tokens at 2,000 tok/s
      tgplay bench soak [--requests N] [--seed S] [--max-rss-growth MB]
                                                           N streamed requests (default 2000) to a local fault
                                                           server (cuts, stalls, error events, 429/503, client
                                                           cancels; part as 4 concurrent columns): one JSON
                                                           line with faults, errors by type, RSS, open fds and
                                                           curl handles at start and end; exit 1 on a leak, an
                                                           unreported fault or RSS growth >= MB (10)
      tgplay --help | --version

    BACKEND
      --endpoint URL        a server's base URL (path prefix kept; a trailing /v1 is accepted for OpenAI-
                            compatible servers) or a serverless model URL (.../models/ID, posted to as is)
      --api API             auto (default: probes GET /props, /info, /api/version, /v1/models once), tgi
                            (/generate...), openai (/v1/completions), llamacpp (llama-server's /completion:
                            token ids, raw probabilities), ollama; also TGPLAY_API
      --probabilities KIND  raw or processed: what the server's logprobs are where tgplay cannot know (vLLM's
                            --logprobs-mode, SGLang, unknown servers: "unknown" otherwise), or which to ask
                            for (llama.cpp's /completion: processed sends post_sampling_probs); refused
                            where it contradicts the server (TGI: processed, llama-cpp-python: raw)
      --model-id ID         the "model" field for OpenAI-compatible servers (default: the first of /v1/models)
      --token TOKEN         bearer token; default: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, the file at
                            HF_TOKEN_PATH, or ~/.cache/huggingface/token. Never printed or stored.
      --no-cache            send x-use-cache: false
      --wait-for-model      send x-wait-for-model: true
      --connect-timeout S   seconds to connect (default 10)
      --timeout S           seconds without any byte from the server before giving up (default 120)
      --max-time S          seconds a whole request may take however slowly bytes come (default: none for
                            streams, 600 for one-shot requests)
      --local [--model PATH] [--threads N]
                            the built-in engine (Gemma 3 270M on the CPU, offline); model: --model,
                            TGPLAY_MODEL, or \(ModelLocation.defaultPath)
                            (installed by `make run`); --threads defaults to 2
      Default: --endpoint, else TGPLAY_ENDPOINT, else "endpoint" in $XDG_CONFIG_HOME/tgplay/config.json
      (~/.config/tgplay/config.json), else the built-in engine. The playground's `backend` field also offers
      the built-in engine and the config's "endpoints": [URL or {"url", "api", "model"}, ...] for runs and
      compare sets.

    OUTPUT (generate)
      Every backend takes TGI request bodies and answers in TGI's shapes; a parameter the backend cannot
      honour is a validation error naming the server, never dropped. Servers that give no token ids answer
      "id": null; "bytes" is added when the server sent a token's raw bytes.
      Without streaming: TGI's /generate answer as one JSON line. With --stream or "stream": true in the
      body: one JSON line per TGI stream event, as TGI sends them. On failure: exit status 1, one line
      {"error": "...", "error_type": "..."} on stdout (TGI's error types; client-side ones are connection,
      timeout, invalid_request, invalid_response, unsupported, response_too_large, too_many_tokens,
      cancelled, model_not_found, model_error) and a readable message on stderr.
      Command-line mistakes exit with status 2.

    EXAMPLE
      echo '{"inputs":"Hi","parameters":{"details":true,"top_n_tokens":3}}' \\
        | tgplay generate --endpoint http://127.0.0.1:8080 --stream
    """

    static var versionString: String { TGPlayVersion.current }
}
