"""``Qwen2VLPolicy``: Qwen2-VL / Qwen2.5-VL (and UI-TARS) in-process with transformers.

The model, tokenizer and image processor are loaded once and kept. ``Qwen2VLProcessor`` is not
used: it insists on a video processor, which needs torchvision. Instead the tokenizer and the
image processor are composed here and each ``<|image_pad|>`` is expanded to the image's token
count, ``prod(image_grid_thw) / merge_size**2``. Completions are decoded with special tokens
kept (Qwen2-VL's box tokens are special) and the chat markers are stripped by the parser.

The prompt's static prefix — everything before the end of the task text and before the first
image — is kept in a ``PrefixCache`` (``prefix_cache`` prefixes, 0 turns it off), so a step
prefills only the tokens after it; the outputs are those of the uncached prompt.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from screenpilot.agent.core import Decision, Usage
from screenpilot.errors import ConfigError, ModelError, require
from screenpilot.policies.cards import Message
from screenpilot.policies.hub import load_options
from screenpilot.policies.prefix_cache import PrefixCache, Row, common_length, unsupported
from screenpilot.policies.settings import PolicySettings
from screenpilot.policies.tool_card import hermes_tools_system
from screenpilot.policies.vlm import CardPolicy, Prepared, Request

IMAGE_PAD = "<|image_pad|>"
VISION_START = "<|vision_start|>"
VISION = VISION_START + IMAGE_PAD + "<|vision_end|>"


def render_chatml(
    messages: Sequence[Message], tools: Sequence[dict[str, Any]] | None = None
) -> tuple[str, list[Image.Image]]:
    """ChatML text with one ``<|image_pad|>`` per image (the Qwen2-VL chat template's output);
    ``tools`` go into the system message as the Qwen2.5 chat template writes them."""
    parts: list[str] = []
    images: list[Image.Image] = []
    for index, message in enumerate(messages):
        content = message["content"]
        if tools and index == 0 and message["role"] == "system" and isinstance(content, str):
            body = hermes_tools_system(content, tools)
        elif isinstance(content, str):
            body = content
        else:
            chunks = []
            for part in content:
                if part["type"] == "image":
                    images.append(part["image"])
                    chunks.append(VISION)
                else:
                    chunks.append(part["text"])
            body = "".join(chunks)
        parts.append(f"<|im_start|>{message['role']}\n{body}<|im_end|>\n")
    return "".join(parts) + "<|im_start|>assistant\n", images


def expand_image_pads(text: str, counts: Sequence[int]) -> str:
    """Replace the i-th ``<|image_pad|>`` with ``counts[i]`` copies."""
    pieces = text.split(IMAGE_PAD)
    if len(pieces) - 1 != len(counts):
        msg = f"{len(pieces) - 1} image placeholders for {len(counts)} images"
        raise ValueError(msg)
    out = [pieces[0]]
    for count, piece in zip(counts, pieces[1:], strict=True):
        out += [IMAGE_PAD * count, piece]
    return "".join(out)


def static_end(text: str, task: str) -> int:
    """Where a prompt's static prefix ends: after the task's first occurrence, and never past
    the first image (0 when the task is not in the text before it)."""
    first_image = text.find(VISION_START)
    limit = len(text) if first_image < 0 else first_image
    found = text.find(task, 0, limit) if task else -1
    return found + len(task) if found >= 0 else 0


@dataclass
class Encoded:
    """A batch of prompts as token ids (unpadded), with its images' tensors."""

    rows: list[Row]
    images: dict[str, Any]
    sizes: list[tuple[int, int]]
    image_seconds: float


class FirstLogits:
    """Notes when ``generate`` first hands logits over, i.e. when the prefill pass ended; a
    LogitsProcessor that leaves the scores as they are."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        self.at: float | None = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self.at is None:
            if scores.is_cuda:
                self.torch.cuda.synchronize(scores.device)
            self.at = time.perf_counter()
        return scores


def check_device(torch: Any, device: str) -> None:
    """A ConfigError, before anything loads, for a CUDA device this torch cannot use (else
    moving the model there fails with torch's own assertion)."""
    if not device.startswith("cuda"):
        return
    fix = "install a CUDA build of torch (README: Troubleshooting) or use --device cpu"
    if torch.version.cuda is None:
        msg = f"--device {device}: this torch ({torch.__version__}) is built without CUDA; {fix}"
    elif not torch.cuda.is_available():
        msg = (
            f"--device {device}: torch {torch.__version__} finds no CUDA GPU (no driver, or "
            f"CUDA_VISIBLE_DEVICES hides them); {fix}"
        )
    else:
        count = torch.cuda.device_count()
        _, _, index = device.partition(":")
        if not index or (index.isdigit() and int(index) < count):
            return
        msg = f"--device {device}: torch sees {count} CUDA device(s), cuda:0 to cuda:{count - 1}"
    raise ConfigError(msg)


class Qwen2VLPolicy(CardPolicy):
    """A Qwen2-VL-family checkpoint (hub id or local directory) run with transformers."""

    policy_name = "qwen2vl"

    def __init__(
        self,
        settings: PolicySettings | str,
        /,
        *,
        dtype: str | None = None,
        attn_implementation: str | None = None,
        generate_kwargs: dict[str, Any] | None = None,
        components: tuple[Any, Any, Any] | None = None,
        prefix_cache: int = 16,
        **changes: Any,
    ) -> None:
        """Load the model named by the settings (hub id or directory), or use ``components`` =
        (model, tokenizer, image processor) already in memory, in which case the model setting
        is only their name. ``prefix_cache`` static prompt prefixes keep their keys and values
        (0: none). ``changes`` are ``PolicySettings`` fields."""
        super().__init__(settings, **changes)
        model = self.model
        device = self.settings.device
        torch = require("torch", "local")
        transformers = require("transformers", "local")
        self._torch = torch
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        check_device(torch, self.device)
        on_gpu = self.device.startswith("cuda")
        self.dtype = dtype or ("bfloat16" if on_gpu else "float32")
        if attn_implementation is None:
            flash = on_gpu and importlib.util.find_spec("flash_attn") is not None
            attn_implementation = "flash_attention_2" if flash else "sdpa"
        self.attn_implementation = attn_implementation
        self.generate_kwargs = dict(generate_kwargs or {})
        if components is not None:
            self.hf_model, self.tokenizer, self.image_processor = components
        else:
            self._load(transformers, model)
        self.hf_model.to(self.device).eval()
        self.merge_size = int(getattr(self.image_processor, "merge_size", 2))
        self.patch_size = int(getattr(self.image_processor, "patch_size", 14))
        factor = self.card.convention_for(self.platform).factor
        if self.patch_size * self.merge_size != factor:
            msg = (
                f"{model!r} cuts images into {self.patch_size}-pixel patches merged {self.merge_size}x"
                f"{self.merge_size} (factor {self.patch_size * self.merge_size}), but the "
                f"{self.card.name} card resizes with factor {factor}: choose the card of this "
                "model's family with --card (e.g. qwen3vl for a Qwen3-VL model)"
            )
            raise ConfigError(msg)
        self.image_token_id = self.tokenizer.convert_tokens_to_ids(IMAGE_PAD)
        # transformers 5 derives M-RoPE positions from these types (1 marks an image token);
        # without them generate gives image tokens plain text positions.
        self._token_types = (
            "mm_token_type_ids" in inspect.signature(self.hf_model.forward).parameters
        )
        reason = unsupported(transformers, self.hf_model) if prefix_cache > 0 else "turned off"
        self.prefix_cache = PrefixCache(prefix_cache) if reason is None else None
        self.prefix_cache_off = reason

    def _load(self, transformers: Any, model: str) -> None:
        where = load_options(model)  # fails fast when the hub is out of reach
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(model, **where)
            self.image_processor = transformers.AutoImageProcessor.from_pretrained(
                model, min_pixels=self.min_pixels, max_pixels=self.max_pixels, **where
            )
            self.hf_model = transformers.AutoModelForImageTextToText.from_pretrained(
                model,
                dtype=getattr(self._torch, self.dtype),
                attn_implementation=self.attn_implementation,
                **where,
            )
        except (OSError, ValueError) as exc:
            msg = f"cannot load model {model!r}: {exc}"
            raise ConfigError(msg) from exc

    def tokenize(self, prepared: Sequence[Prepared], tasks: Sequence[str] = ()) -> Encoded:
        """Each prompt's token ids, its static prefix's length (the text up to the end of its
        task, ``tasks[i]``, if given), and the images' tensors."""
        texts, prefixes, images, sizes = [], [], [], []
        image_seconds = 0.0
        for index, item in enumerate(prepared):
            text, item_images = render_chatml(item.messages, item.tools)
            grids = []
            if item_images:
                started = time.perf_counter()
                # Our images are already smart-resized; a second resize is not always
                # idempotent (e.g. min_pixels == max_pixels), so the processor must not resize.
                out = self.image_processor(images=item_images, do_resize=False, return_tensors="pt")
                image_seconds += time.perf_counter() - started
                images.append(out)
                grids = out["image_grid_thw"].tolist()
            counts = [math.prod(grid) // self.merge_size**2 for grid in grids]
            texts.append(expand_image_pads(text, counts))
            task = tasks[index] if index < len(tasks) else ""
            prefixes.append(texts[-1][: static_end(texts[-1], task)])
            # The frame is the size the model really saw, read back from the patch grid.
            last = grids[-1] if grids else None
            sizes.append(
                (last[2] * self.patch_size, last[1] * self.patch_size)
                if last
                else item.resized_size
            )
        ids = self.tokenizer(texts)["input_ids"]
        prefix_ids = self.tokenizer(prefixes)["input_ids"] if any(prefixes) else [[]] * len(ids)
        rows = [
            Row(row, common_length(row, start)) for row, start in zip(ids, prefix_ids, strict=True)
        ]
        tensors: dict[str, Any] = {}
        if images:
            dtype = getattr(self._torch, self.dtype)
            tensors["pixel_values"] = self._torch.cat([i["pixel_values"] for i in images]).to(dtype)
            tensors["image_grid_thw"] = self._torch.cat([i["image_grid_thw"] for i in images])
        return Encoded(rows, tensors, sizes, image_seconds)

    def encode(self, prepared: Sequence[Prepared]) -> tuple[dict[str, Any], list[tuple[int, int]]]:
        """Model inputs for a batch of prompts (left-padded) and each prompt's image size."""
        encoded = self.tokenize(prepared)
        return self._padded(encoded), encoded.sizes

    def _padded(self, encoded: Encoded) -> dict[str, Any]:
        """The prompts left-padded to the longest, each row's tokens unmasked."""
        width = max(len(row.ids) for row in encoded.rows)
        shape = (len(encoded.rows), width)
        input_ids = self._torch.full(shape, self.tokenizer.pad_token_id, dtype=self._torch.long)
        mask = self._torch.zeros(shape, dtype=self._torch.long)
        for index, row in enumerate(encoded.rows):
            input_ids[index, width - len(row.ids) :] = self._torch.tensor(row.ids)
            mask[index, width - len(row.ids) :] = 1
        return self._on_device({"input_ids": input_ids, "attention_mask": mask}, encoded)

    def _on_device(self, inputs: dict[str, Any], encoded: Encoded) -> dict[str, Any]:
        inputs = dict(inputs, **encoded.images)
        if self._token_types:
            inputs["mm_token_type_ids"] = (inputs["input_ids"] == self.image_token_id).int()
        return {k: v.to(self.device) for k, v in inputs.items()}

    def _cacheable(self, encoded: Encoded) -> bool:
        """Whether the batch can continue from cached prefixes: some row has a prefix, and every
        row's image tokens follow its prefix (the positions of images after a cache are computed
        from those tokens; a batch without any would reuse the last call's)."""
        return any(row.prefix for row in encoded.rows) and all(
            self.image_token_id in row.ids[row.prefix :] for row in encoded.rows
        )

    def generate(self, inputs: dict[str, Any], first_logits: FirstLogits | None = None) -> Any:
        """The bare ``model.generate`` call on encoded inputs (token ids, prompt included);
        ``first_logits`` notes when the prefill pass ended."""
        options: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "do_sample": False}
        if self.temperature > 0:
            options.update(do_sample=True, temperature=self.temperature)
        options.update(self.generate_kwargs)
        if first_logits is not None:
            transformers = require("transformers", "local")
            given = options.get("logits_processor") or []
            options["logits_processor"] = transformers.LogitsProcessorList([first_logits, *given])
        with self._torch.inference_mode():
            return self.hf_model.generate(**inputs, **options)

    def act_batch(self, requests: Sequence[Request]) -> list[Decision | ModelError]:
        """One batched ``generate`` for several (task, observation, history) requests, each
        continuing from its cached prompt prefix where there is one."""
        if not requests:
            return []
        prepared = [self.prepare(*request) for request in requests]
        started = time.perf_counter()
        encoded = self.tokenize(prepared, [task for task, _, _ in requests])
        tokenized = time.perf_counter()
        if self.prefix_cache is not None and self._cacheable(encoded):
            pad = self.tokenizer.pad_token_id
            layout = self.prefix_cache.layout(self.hf_model, encoded.rows, pad)
            inputs = self._on_device(
                {"input_ids": layout.input_ids, "attention_mask": layout.attention_mask}, encoded
            )
            if layout.cache is not None:
                inputs["cache"] = layout.cache
            cached, computed = layout.cached_tokens, layout.computed_tokens
        else:
            inputs = self._padded(encoded)
            cached = [0] * len(requests)
            computed = [len(row.ids) for row in encoded.rows]
        first_logits = FirstLogits(self._torch)
        output = self.generate(inputs, first_logits)
        if self.device.startswith("cuda"):
            self._torch.cuda.synchronize()
        generated = time.perf_counter()
        prefilled = first_logits.at or generated
        prompt_length = inputs["input_ids"].shape[1]
        eos = self.tokenizer.convert_tokens_to_ids("<|im_end|>")
        share = len(requests)
        decisions: list[Decision | ModelError] = []
        for row, (request, item) in enumerate(zip(requests, prepared, strict=True)):
            new_tokens = output[row, prompt_length:].tolist()
            used = new_tokens.index(eos) + 1 if eos in new_tokens else len(new_tokens)
            text = self.tokenizer.decode(new_tokens[:used], skip_special_tokens=False)
            usage = Usage(len(encoded.rows[row].ids), used)
            timings = {
                "image": encoded.image_seconds / share,
                "prompt": item.seconds + (tokenized - started - encoded.image_seconds) / share,
                "prefill": (prefilled - tokenized) / share,
                "decode": (generated - prefilled) / share,
            }
            _task, observation, history = request
            decision = self.decide(text, observation, history, encoded.sizes[row], timings, usage)
            tokens = {"prefix_cached_tokens": cached[row], "prefill_tokens": computed[row]}
            decisions.append(dataclasses.replace(decision, info={**decision.info, **tokens}))
        return decisions

    def describe_extra(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "dtype": self.dtype,
            "attn_implementation": self.attn_implementation,
            "prefix_cache": (
                f"off: {self.prefix_cache_off}"
                if self.prefix_cache is None
                else f"on ({self.prefix_cache.capacity} prefixes)"
            ),
        }

    def close(self) -> None:
        """Drop the model and the cached prefixes so their memory can be freed."""
        if self.prefix_cache is not None:
            self.prefix_cache.clear()
        self.__dict__.pop("hf_model", None)
