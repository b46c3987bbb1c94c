"""``Qwen2VLPolicy``: Qwen2-VL / Qwen2.5-VL (and UI-TARS) in-process with transformers.

The model, tokenizer and image processor are loaded once and kept. ``Qwen2VLProcessor`` is not
used: it insists on a video processor, which needs torchvision. Instead the tokenizer and the
image processor are composed here and each ``<|image_pad|>`` is expanded to the image's token
count, ``prod(image_grid_thw) / merge_size**2``. Completions are decoded with special tokens
kept (Qwen2-VL's box tokens are special) and the chat markers are stripped by the parser.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Sequence
from typing import Any

from PIL import Image

from screenpilot.agent.core import Decision, Usage
from screenpilot.errors import ConfigError, ModelError, require
from screenpilot.policies.cards import Message
from screenpilot.policies.hub import load_options
from screenpilot.policies.settings import PolicySettings
from screenpilot.policies.tool_card import hermes_tools_system
from screenpilot.policies.vlm import CardPolicy, Prepared, Request

IMAGE_PAD = "<|image_pad|>"
VISION = "<|vision_start|>" + IMAGE_PAD + "<|vision_end|>"


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
        **changes: Any,
    ) -> None:
        """Load the model named by the settings (hub id or directory), or use ``components`` =
        (model, tokenizer, image processor) already in memory, in which case the model setting
        is only their name. ``changes`` are ``PolicySettings`` fields."""
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
        self.tokenizer.padding_side = "left"
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

    def encode(self, prepared: Sequence[Prepared]) -> tuple[dict[str, Any], list[tuple[int, int]]]:
        """Model inputs for a batch of prompts (left-padded) and each prompt's image size."""
        texts, images, sizes = [], [], []
        for item in prepared:
            text, item_images = render_chatml(item.messages, item.tools)
            grids = []
            if item_images:
                # Our images are already smart-resized; a second resize is not always
                # idempotent (e.g. min_pixels == max_pixels), so the processor must not resize.
                out = self.image_processor(images=item_images, do_resize=False, return_tensors="pt")
                images.append(out)
                grids = out["image_grid_thw"].tolist()
            counts = [math.prod(grid) // self.merge_size**2 for grid in grids]
            texts.append(expand_image_pads(text, counts))
            # The frame is the size the model really saw, read back from the patch grid.
            last = grids[-1] if grids else None
            sizes.append(
                (last[2] * self.patch_size, last[1] * self.patch_size)
                if last
                else item.resized_size
            )
        inputs = dict(self.tokenizer(texts, padding=True, return_tensors="pt"))
        if images:
            inputs["pixel_values"] = self._torch.cat([i["pixel_values"] for i in images])
            inputs["image_grid_thw"] = self._torch.cat([i["image_grid_thw"] for i in images])
            inputs["pixel_values"] = inputs["pixel_values"].to(getattr(self._torch, self.dtype))
        return {k: v.to(self.device) for k, v in inputs.items()}, sizes

    def generate(self, inputs: dict[str, Any]) -> Any:
        """The bare ``model.generate`` call on encoded inputs (token ids, prompt included)."""
        options: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "do_sample": False}
        if self.temperature > 0:
            options.update(do_sample=True, temperature=self.temperature)
        options.update(self.generate_kwargs)
        with self._torch.inference_mode():
            return self.hf_model.generate(**inputs, **options)

    def act_batch(self, requests: Sequence[Request]) -> list[Decision | ModelError]:
        """One batched ``generate`` for several (task, observation, history) requests."""
        if not requests:
            return []
        prepared = [self.prepare(*request) for request in requests]
        started = time.perf_counter()
        inputs, sizes = self.encode(prepared)
        encoded = time.perf_counter()
        output = self.generate(inputs)
        generated = time.perf_counter()
        prompt_length = inputs["input_ids"].shape[1]
        eos = self.tokenizer.convert_tokens_to_ids("<|im_end|>")
        decisions: list[Decision | ModelError] = []
        for row, (request, item) in enumerate(zip(requests, prepared, strict=True)):
            new_tokens = output[row, prompt_length:].tolist()
            used = new_tokens.index(eos) + 1 if eos in new_tokens else len(new_tokens)
            text = self.tokenizer.decode(new_tokens[:used], skip_special_tokens=False)
            usage = Usage(int(inputs["attention_mask"][row].sum()), used)
            timings = {
                "prompt": item.seconds + (encoded - started) / len(requests),
                "generate": (generated - encoded) / len(requests),
            }
            _task, observation, history = request
            decisions.append(self.decide(text, observation, history, sizes[row], timings, usage))
        return decisions

    def describe_extra(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "dtype": self.dtype,
            "attn_implementation": self.attn_implementation,
        }

    def close(self) -> None:
        """Drop the model so its memory can be freed."""
        self.__dict__.pop("hf_model", None)
