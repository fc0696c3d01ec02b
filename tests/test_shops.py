"""Shop links: the built-in list, URL encoding and the user's own shops."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from fmf_desktop.results import CharacterInfo
from fmf_desktop.shops import (
    Shop,
    ShopConfigError,
    load_builtin_shops,
    query_for,
    shop_links,
    shop_url,
    shops_from_json,
    shops_to_json,
)


def test_builtin_shops_cover_the_usual_places():
    shops = load_builtin_shops()
    names = {s.name for s in shops}
    for expected in ("AmiAmi", "HobbySearch", "Good Smile Shop", "Solaris Japan", "Mandarake",
                     "eBay", "MyFigureCollection"):
        assert expected in names
    assert all(s.enabled and s.builtin for s in shops)
    assert all(s.url_template.startswith("https://") for s in shops)


def test_non_ascii_query_is_utf8_percent_encoded():
    shop = Shop("Test", "https://shop.example/search?q={query}&lang=en")
    url = shop_url(shop, "初音ミク figure")
    assert url == ("https://shop.example/search?q=%E5%88%9D%E9%9F%B3%E3%83%9F%E3%82%AF+figure"
                   "&lang=en")
    assert parse_qs(urlsplit(url).query)["q"] == ["初音ミク figure"]


def test_reserved_characters_cannot_break_the_url():
    url = shop_url(Shop("T", "https://s.example/?q={query}"), "Ina'nis & co #1 50%/x?")
    assert parse_qs(urlsplit(url).query)["q"] == ["Ina'nis & co #1 50%/x?"]
    assert "#" not in url and "&" not in url.split("?", 1)[1]


def test_query_uses_label_query_or_name_franchise_figure():
    assert query_for(CharacterInfo("a", "Gawr Gura", "hololive English", "Gura nendoroid")) \
        == "Gura nendoroid"
    assert query_for(CharacterInfo("a", "初音ミク", "VOCALOID")) == "初音ミク VOCALOID figure"
    assert query_for(CharacterInfo("a", "My Figure", "", taught=True)) == "My Figure figure"


def test_shop_links_only_for_enabled_shops():
    shops = load_builtin_shops()
    shops[0].enabled = False
    links = shop_links(CharacterInfo("miku", "初音ミク", "VOCALOID"), shops)
    assert [name for name, _ in links] == [s.name for s in shops[1:]]
    for (_, url), shop in zip(links, shops[1:], strict=True):
        assert url.startswith(shop.url_template.split("{query}")[0])
        assert "%E5%88%9D%E9%9F%B3" in url and "VOCALOID+figure" in url


@pytest.mark.parametrize("template,problem", [
    ("https://shop.example/search?q=", "{query}"),
    ("shop.example/search?q={query}", "http"),
    ("javascript:alert({query})", "http"),
    ("https://shop.example/{query}/{page}", "braces"),
])
def test_bad_user_templates_are_rejected_with_a_reason(template, problem):
    with pytest.raises(ShopConfigError, match="My shop") as info:
        Shop("My shop", template, builtin=False)
    assert problem in str(info.value)


def test_user_shops_round_trip_through_json():
    builtin = load_builtin_shops()
    mine = [*builtin, Shop("Local store", "https://local.example/find?k={query}", builtin=False)]
    mine[1].enabled = False
    restored = shops_from_json(shops_to_json(mine), builtin)
    assert restored == mine


def test_new_builtin_shops_appear_after_an_upgrade_and_choices_are_kept():
    builtin = load_builtin_shops()
    saved = [Shop(builtin[0].name, builtin[0].url_template, enabled=False)]
    restored = shops_from_json(shops_to_json(saved), builtin)
    assert restored[0].enabled is False
    assert [s.name for s in restored] == [s.name for s in builtin]


def test_corrupt_saved_list_raises_clear_error():
    with pytest.raises(ShopConfigError, match="not valid JSON"):
        shops_from_json("{broken")
