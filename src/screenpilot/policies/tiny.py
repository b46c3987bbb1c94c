"""Random-weight Qwen2-VL / Qwen2.5-VL checkpoints built offline, for tests and benchmarks.

The tokenizer is a lossless byte-level BPE (the 256 byte symbols, no merges) that carries the
real Qwen special tokens, so prompts, image-token expansion and decoding behave as with a hub
checkpoint. ``size="tiny"`` is about 0.1 M parameters (CPU tests); ``"2b"`` and ``"7b"`` have the
real architectures with random weights (speed measurements on a GPU; nothing is downloaded).
Recipe: sizes and validity rules as in transformers' own Qwen2-VL model tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from screenpilot.errors import require

SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
"""In the order (and so the relative ids) of the Qwen2 tokenizers, 151643..151656."""

Size = Literal["tiny", "2b", "7b"]

_TEXT: dict[str, dict[str, Any]] = {
    "tiny": {
        "hidden_size": 32,
        "intermediate_size": 37,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "rope_scaling": {"type": "mrope", "mrope_section": [2, 1, 1]},
    },
    # Real shapes (Qwen/Qwen2-VL-2B-Instruct and -7B-Instruct config.json).
    "2b": {
        "vocab_size": 151936,
        "tie_word_embeddings": True,
        "hidden_size": 1536,
        "intermediate_size": 8960,
        "num_hidden_layers": 28,
        "num_attention_heads": 12,
        "num_key_value_heads": 2,
        "rope_theta": 1_000_000.0,
        "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
    },
    "7b": {
        "vocab_size": 152064,
        "tie_word_embeddings": False,
        "hidden_size": 3584,
        "intermediate_size": 18944,
        "num_hidden_layers": 28,
        "num_attention_heads": 28,
        "num_key_value_heads": 4,
        "rope_theta": 1_000_000.0,
        "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
    },
}


def build_tokenizer() -> Any:
    """A byte-level tokenizer with the Qwen2 special tokens and ``<tool_call>`` tags."""
    tokenizers = require("tokenizers", "local")
    transformers = require("transformers", "local")
    alphabet = sorted(tokenizers.pre_tokenizers.ByteLevel.alphabet())
    backend = tokenizers.Tokenizer(
        tokenizers.models.BPE(vocab={c: i for i, c in enumerate(alphabet)}, merges=[])
    )
    backend.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = tokenizers.decoders.ByteLevel()
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=backend)
    tokenizer.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS)})
    tokenizer.add_tokens(["<tool_call>", "</tool_call>"])
    tokenizer.eos_token = "<|im_end|>"
    tokenizer.pad_token = "<|endoftext|>"
    return tokenizer


Family = Literal["qwen2vl", "qwen25vl", "qwen3vl"]


def build_config(
    tokenizer: Any, *, size: Size = "tiny", family: Family = "qwen2vl"
) -> tuple[Any, Any]:
    """(config, model class) of a ``size`` model whose special ids match ``tokenizer``."""
    transformers = require("transformers", "local")
    ids = {name: tokenizer.convert_tokens_to_ids(name) for name in SPECIAL_TOKENS}
    text = dict(_TEXT[size], max_position_embeddings=32768)
    text.setdefault("vocab_size", len(tokenizer))
    token_ids = {
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
    }
    width = text["hidden_size"]
    if family == "qwen2vl":
        vision: dict[str, Any] = {"depth": 32, "embed_dim": 1280, "num_heads": 16}
        if size == "tiny":
            vision = {"depth": 2, "embed_dim": 32, "num_heads": 4}
        vision.update(hidden_size=width, mlp_ratio=4, patch_size=14, spatial_merge_size=2)
        config = transformers.Qwen2VLConfig(vision_config=vision, **text, **token_ids)
        return config, transformers.Qwen2VLForConditionalGeneration
    if family == "qwen3vl":
        return _qwen3vl_config(transformers, size, text, token_ids)
    vision = {"depth": 2, "hidden_size": 32, "intermediate_size": 64, "num_heads": 4}
    vision.update(out_hidden_size=width, fullatt_block_indexes=[1], window_size=112)
    vision.update(patch_size=14, spatial_merge_size=2, temporal_patch_size=2)
    config = transformers.Qwen2_5_VLConfig(vision_config=vision, **text, **token_ids)
    return config, transformers.Qwen2_5_VLForConditionalGeneration


def _qwen3vl_config(
    transformers: Any, size: Size, text: dict[str, Any], token_ids: dict[str, int]
) -> tuple[Any, Any]:
    """Qwen3-VL: patch 16, deepstack features, interleaved mrope (transformers' own Qwen3-VL
    model tests give the tiny recipe; sum(mrope_section) * 2 must equal head_dim)."""
    if size != "tiny":
        msg = "only a tiny Qwen3-VL is built here"
        raise ValueError(msg)
    width = text["hidden_size"]
    text = dict(text, head_dim=8, tie_word_embeddings=True)
    text["rope_scaling"] = {
        "rope_type": "default",
        "mrope_section": [2, 1, 1],
        "mrope_interleaved": True,
    }
    vision: dict[str, Any] = {
        "depth": 2,
        "hidden_size": 32,
        "intermediate_size": 32,
        "num_heads": 4,
    }
    vision.update(out_hidden_size=width, patch_size=16, spatial_merge_size=2, temporal_patch_size=2)
    vision.update(num_position_embeddings=16, deepstack_visual_indexes=[0, 1])
    vision_ids = (
        "image_token_id",
        "video_token_id",
        "vision_start_token_id",
        "vision_end_token_id",
    )
    ids = {key: token_ids[key] for key in vision_ids}
    text.update({key: token_ids[key] for key in ("bos_token_id", "eos_token_id", "pad_token_id")})
    config = transformers.Qwen3VLConfig(
        text_config=text, vision_config=vision, tie_word_embeddings=True, **ids
    )
    return config, transformers.Qwen3VLForConditionalGeneration


def build_image_processor(
    min_pixels: int = 4 * 28 * 28, max_pixels: int = 1280 * 28 * 28, patch_size: int = 14
) -> Any:
    transformers = require("transformers", "local")
    return transformers.Qwen2VLImageProcessor(
        min_pixels=min_pixels, max_pixels=max_pixels, patch_size=patch_size, merge_size=2
    )


def build_components(
    size: Size = "tiny",
    family: Family = "qwen2vl",
    *,
    device: str = "cpu",
    dtype: str = "float32",
    attn_implementation: str = "sdpa",
    initializer_range: float | None = None,
) -> tuple[Any, Any, Any]:
    """(model, tokenizer, image processor) built in memory with random weights (seed 0), the
    model allocated on ``device``. A larger ``initializer_range`` than the config's 0.02 makes a
    tiny model's answers depend visibly on its prompt."""
    torch = require("torch", "local")
    tokenizer = build_tokenizer()
    config, model_class = build_config(tokenizer, size=size, family=family)
    if initializer_range is not None:
        config.initializer_range = initializer_range
        config.get_text_config().initializer_range = initializer_range
    torch.manual_seed(0)
    with torch.device(device):
        model = model_class._from_config(
            config, dtype=getattr(torch, dtype), attn_implementation=attn_implementation
        ).eval()
    model.generation_config.eos_token_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
    model.generation_config.pad_token_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    processor = build_image_processor(patch_size=16 if family == "qwen3vl" else 14)
    return model, tokenizer, processor


def build_model_dir(path: str | Path, *, size: Size = "tiny", family: Family = "qwen2vl") -> Path:
    """Write a random-weight checkpoint (model, tokenizer, image processor) to ``path``."""
    torch = require("torch", "local")
    target = Path(path)
    tokenizer = build_tokenizer()
    config, model_class = build_config(tokenizer, size=size, family=family)
    torch.manual_seed(0)
    model = model_class(config).eval()
    model.generation_config.eos_token_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
    model.generation_config.pad_token_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    patch = 16 if family == "qwen3vl" else 14
    budget = (
        (64 * 32 * 32, 1024 * 32 * 32) if family == "qwen3vl" else (4 * 28 * 28, 1280 * 28 * 28)
    )
    build_image_processor(*budget, patch_size=patch).save_pretrained(target)
    return target
