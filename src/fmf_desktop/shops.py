"""Shop search links: which shops, how their URLs are built, and how the list is saved.

The built-in list lives in ``assets/shops.json``. The user's edits (shops added, enabled
or disabled) are saved by the GUI through :func:`shops_to_json` / :func:`shops_from_json`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

from fmf_desktop.paths import default_shops_path
from fmf_desktop.results import CharacterInfo

QUERY_PLACEHOLDER = "{query}"


class ShopConfigError(ValueError):
    """A shop entry is unusable; the message says which one and why."""


@dataclass
class Shop:
    name: str
    url_template: str  # must contain "{query}" exactly where the search words go
    enabled: bool = True
    builtin: bool = True

    def __post_init__(self) -> None:
        validate_template(self.url_template, name=self.name)


def validate_template(template: str, *, name: str = "shop") -> None:
    """Raise ShopConfigError unless ``template`` is an http(s) URL with one ``{query}``."""
    template = template.strip()
    if QUERY_PLACEHOLDER not in template:
        raise ShopConfigError(
            f"{name}: the URL template must contain {QUERY_PLACEHOLDER} where the search "
            f"words go, e.g. https://example.com/search?q={QUERY_PLACEHOLDER}"
        )
    parts = urlsplit(template.replace(QUERY_PLACEHOLDER, "x"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ShopConfigError(
            f"{name}: the URL template must start with http:// or https:// and name a site"
        )
    # str.format would choke on other braces; we substitute by plain replacement instead,
    # but a second placeholder-like brace is almost always a typo worth reporting.
    leftover = template.replace(QUERY_PLACEHOLDER, "")
    if "{" in leftover or "}" in leftover:
        raise ShopConfigError(f"{name}: the URL template has braces other than {QUERY_PLACEHOLDER}")


def shop_url(shop: Shop, query: str) -> str:
    """The shop's search URL for ``query``, URL-encoded (spaces as '+', UTF-8 for non-ASCII)."""
    validate_template(shop.url_template, name=shop.name)
    return shop.url_template.strip().replace(QUERY_PLACEHOLDER, quote_plus(query.strip()))


def query_for(character: CharacterInfo) -> str:
    """Search words for a character: its label's query, else name + franchise + 'figure'."""
    if character.query.strip():
        return character.query.strip()
    words = [character.name.strip(), character.franchise.strip(), "figure"]
    return " ".join(w for w in words if w)


def shop_links(character: CharacterInfo, shops: list[Shop]) -> list[tuple[str, str]]:
    """(shop name, URL) for every enabled shop, in list order."""
    query = query_for(character)
    return [(shop.name, shop_url(shop, query)) for shop in shops if shop.enabled]


def _shop_from_dict(entry: object, *, builtin: bool, where: str) -> Shop:
    if not isinstance(entry, dict):
        raise ShopConfigError(f"{where}: each shop must be an object with name and url_template")
    name = entry.get("name")
    template = entry.get("url_template")
    if not isinstance(name, str) or not name.strip():
        raise ShopConfigError(f"{where}: a shop has no name")
    if not isinstance(template, str):
        raise ShopConfigError(f"{where}: shop {name!r} has no url_template")
    return Shop(
        name=name.strip(),
        url_template=template.strip(),
        enabled=bool(entry.get("enabled", True)),
        builtin=bool(entry.get("builtin", builtin)),
    )


def load_builtin_shops(path: Path | None = None) -> list[Shop]:
    """The shops shipped in ``assets/shops.json``."""
    path = path or default_shops_path()
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ShopConfigError(f"{path}: cannot read the shop list ({exc})") from exc
    entries = doc.get("shops") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise ShopConfigError(f"{path}: expected a list of shops under 'shops'")
    return [_shop_from_dict(e, builtin=True, where=str(path)) for e in entries]


# The architecture doc calls it load_shops; both names work.
load_shops = load_builtin_shops


def shops_to_json(shops: list[Shop]) -> str:
    """Serialise the user's shop list (for QSettings)."""
    return json.dumps({"format": 1, "shops": [asdict(s) for s in shops]}, ensure_ascii=False)


def shops_from_json(text: str, builtin: list[Shop] | None = None) -> list[Shop]:
    """Restore a saved shop list.

    When ``builtin`` is given, built-in shops that are missing from the saved list (for
    example ones added in a newer app version) are appended, so upgrades show new shops,
    and saved entries of built-in shops keep the user's enabled/disabled choice.
    Malformed text raises ShopConfigError; the caller decides whether to fall back.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ShopConfigError(f"saved shop list is not valid JSON ({exc})") from exc
    entries = doc.get("shops") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise ShopConfigError("saved shop list: expected a list of shops")
    shops = [_shop_from_dict(e, builtin=False, where="saved shop list") for e in entries]
    if builtin:
        saved_names = {s.name for s in shops}
        shops.extend(
            Shop(b.name, b.url_template, b.enabled, True)
            for b in builtin
            if b.name not in saved_names
        )
    return shops
