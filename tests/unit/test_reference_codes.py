"""The reference parsers (``duecourse.reference``): what a person types becomes the one code the
law compares — countries (ISO 3166-1 alpha-2), languages (ISO 639), immigration courts (EOIR
base-city codes), issuing bodies — or is refused with a sentence naming the value; every court
keeps its days in a known zone; and ``parse_command`` parses every country and language field
of every command the same way (spec 13, section 1)."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union

import pytest

from duecourse import reference
from duecourse.domain.codes import CodeKind
from duecourse.domain.commands import COMMAND_TYPES, parse_command
from duecourse.domain.errors import InvalidInput
from duecourse.domain.person import PersonData
from duecourse.reference import codes as reference_codes

# -- countries --------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "code"), [
    ("SV ", "SV"), ("sv", "SV"), ("  sv  ", "SV"), ("El Salvador", "SV"), ("el salvador", "SV"),
    ("EL  SALVADOR", "SV"), ("SLV", "SV"), ("slv", "SV"), ("Venezuela", "VE"), ("VEN", "VE"),
    ("Mexico", "MX"), ("United States", "US"), ("USA", "US"), ("Türkiye", "TR"),
    ("Democratic Republic of the Congo", "CD"), ("Republic of the Congo", "CG"),
])
def test_a_country_is_its_alpha2_code(typed: str, code: str) -> None:
    assert reference.country(typed) == code


@pytest.mark.parametrize("typed", ["ZZ", "Narnia", "XX", "", "  ", "S V", "SVX"])
def test_a_value_no_country_has_is_refused_naming_it(typed: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO 3166-1 country") as e:
        reference.country(typed)
    assert f"'{typed.strip()}'" in str(e.value)


@pytest.mark.parametrize("typed", ["Congo", " congo ", "CONGO", "Korea"])
def test_a_name_people_use_for_two_countries_is_refused_naming_both(typed: str) -> None:
    # ISO's short name "Congo" is the Republic of the Congo (CG), but people write "Congo" for
    # the Democratic Republic (CD) as often: the parser does not guess, it asks for the code.
    with pytest.raises(ValueError) as e:
        reference.country(typed)
    message = str(e.value)
    assert f"'{typed.strip()}'" in message and "code" in message
    assert ({"CG", "CD"} if "ongo" in typed.lower() else {"KR", "KP"}) <= set(
        message.replace(",", " ").replace(";", " ").split())


def test_each_congo_by_its_code_or_full_name() -> None:
    assert reference.country("CG") == "CG" and reference.country("COG") == "CG"
    assert reference.country("CD") == "CD" and reference.country("COD") == "CD"
    assert reference.country("Congo, The Democratic Republic of the") == "CD"


def test_a_name_more_than_one_country_bears_is_refused_naming_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    codes, names, short = reference_codes._countries()
    shared = {**names, "freedonia": {"FR", "DE"}}  # a name two table entries bear: no guess
    monkeypatch.setattr(reference_codes, "_countries", lambda: (codes, shared, short))
    with pytest.raises(ValueError, match="more than one country") as e:
        reference.country(" Freedonia ")
    assert "'Freedonia'" in str(e.value) and "DE, FR" in str(e.value)


def test_country_options_offer_every_code_once_by_name() -> None:
    options = reference.country_options()
    codes = [c for c, _ in options]
    assert len(codes) == len(set(codes)) >= 240
    assert ("SV", "El Salvador") in options
    assert [n for _, n in options] == sorted(n for _, n in options)


# -- languages --------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "code"), [
    ("es", "es"), ("ES", "es"), (" es ", "es"), ("Spanish", "es"), ("spanish", "es"),
    ("spa", "es"), ("es-MX", "es"), ("es_MX", "es"), ("es-419", "es"), ("ht", "ht"),
    ("Haitian", "ht"), ("hat", "ht"), ("fre", "fr"), ("fra", "fr"), ("French", "fr"),
    ("quc", "quc"), ("mam", "mam"), ("K'iche'", "quc"), ("zh-Hant", "zh"),
])
def test_a_language_is_its_iso_639_code(typed: str, code: str) -> None:
    assert reference.language(typed) == code


@pytest.mark.parametrize("typed", ["Elvish", "qq", "", "xx-YY", "es,en", "nah"])
def test_a_value_no_language_has_is_refused_naming_it(typed: str) -> None:
    # ("nah" is ISO 639's collective code for the Nahuatl languages, not a language.)
    with pytest.raises(ValueError, match="is not an ISO 639 language") as e:
        reference.language(typed)
    assert f"'{typed.strip()}'" in str(e.value)


def test_language_names_and_options() -> None:
    assert reference.language_name("es") == "Spanish"
    assert reference.language_name("ht") == "Haitian"
    options = reference.language_options()
    assert ("es", "Spanish") in options
    assert all(len(c) == 2 for c, _ in options[:100])  # two-letter codes first


# -- courts and issuing bodies ------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "code"), [("NEW", "NEW"), (" new ", "NEW"), ("hou", "HOU")])
def test_a_court_is_its_eoir_base_city_code(typed: str, code: str) -> None:
    assert reference.court(typed) == code


def test_a_code_eoir_does_not_list_is_no_court() -> None:
    with pytest.raises(ValueError, match="'XYZ' is not an immigration court"):
        reference.court("XYZ")


@pytest.mark.parametrize(("typed", "code", "kind"), [
    ("CA9", "CA9", "federal_court"), ("ca9", "CA9", "federal_court"),
    ("CA1", "CA1", "federal_court"), ("CA11", "CA11", "federal_court"),
    ("CADC", "CADC", "federal_court"), ("SCOTUS", "SCOTUS", "federal_court"),
    ("USDC-NYS", "USDC-NYS", "federal_court"), ("usdc-nys", "USDC-NYS", "federal_court"),
    ("USDC-MA", "USDC-MA", "federal_court"), ("USDC-PR", "USDC-PR", "federal_court"),
    ("NEW", "NEW", "immigration_court"), (" hou ", "HOU", "immigration_court"),
    ("USCIS-NYC", "USCIS-NYC", "asylum_office"), ("uscis-arl", "USCIS-ARL", "asylum_office"),
    ("DHS", "DHS", "dhs"), ("dhs", "DHS", "dhs"), ("BIA", "BIA", "bia"), (" bia ", "BIA", "bia"),
])
def test_an_issuer_is_one_body_of_one_kind(typed: str, code: str, kind: str) -> None:
    body = reference.issuer(typed)
    assert (body.code, body.kind) == (code, kind)
    assert body.name


@pytest.mark.parametrize("typed", ["USDC-ZZ", "USDC-NYX", "USDC-", "CA12", "CA0", "USCIS-XXX",
                                   "USCIS-", "XYZ", "ICE", ""])
def test_a_body_that_issues_nothing_is_refused_naming_it(typed: str) -> None:
    with pytest.raises(ValueError, match="is not a known issuing body") as e:
        reference.issuer(typed)
    assert f"'{typed}'" in str(e.value)


def test_the_board_is_the_board_not_an_immigration_court() -> None:
    # EOIR's base-city table lists the Board as "BIA" too; as an issuer it is the Board.
    assert reference.issuer("BIA").kind == "bia"
    codes = {c for c, _ in reference.issuer_options()}
    assert {"BIA", "DHS", "CA9", "CADC", "SCOTUS", "USCIS-NYC", "NEW"} <= codes


# -- the zone each court keeps its days in ---------------------------------------------------------


def test_every_active_eoir_court_has_a_time_zone() -> None:
    active = [c for c in reference.load_courts().values() if c.active]
    assert len(active) >= 70
    for c in active:
        zone = reference.court_zone(c.code)
        assert str(zone) == reference.zone_name(c.code)
        assert datetime(2026, 7, 1, 12).replace(tzinfo=zone).utcoffset() is not None


@pytest.mark.parametrize(("court", "zone"), [
    ("ELP", "America/Denver"),  # El Paso, Texas: Mountain, not Texas's Central
    ("SAI", "Pacific/Saipan"), ("NEW", "America/New_York"), ("HOU", "America/Chicago"),
    ("PHO", "America/Phoenix"), ("SFR", "America/Los_Angeles"), ("HON", "Pacific/Honolulu"),
])
def test_a_court_keeps_its_days_in_its_own_zone(court: str, zone: str) -> None:
    assert reference.zone_name(court) == zone


def test_a_court_without_a_zone_fails_loudly() -> None:
    with pytest.raises(KeyError, match="XYZ"):
        reference.zone_name("XYZ")


# -- every country and language field of every command, through parse_command -----------------------

DAY, INSTANT = "2026-03-02", "2026-03-02T08:00:00Z"
SAMPLE_CODE = {"country": "MX", "language": "es", "court": "NEW", "issuer": "NEW"}


def _marks(tp: Any) -> tuple[str | None, bool]:
    """The code kind a field holds (or None), and whether it holds a list of them."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return next((m.kind for m in typing.get_args(tp)[1:] if isinstance(m, CodeKind)),
                    None), False
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is not type(None):
                return _marks(arg)
    if origin is tuple:
        kind, _ = _marks(typing.get_args(tp)[0])
        return kind, True
    return None, False


def _sample(tp: Any) -> Any:
    """A value that parses as ``tp``."""
    kind, many = _marks(tp)
    if kind is not None:
        return [SAMPLE_CODE[kind]] if many else SAMPLE_CODE[kind]
    origin = typing.get_origin(tp)
    if origin is Literal:
        return next(a for a in typing.get_args(tp) if a != "")
    if origin in (Union, types.UnionType):
        return _sample(next(a for a in typing.get_args(tp) if a is not type(None)))
    if origin is tuple:
        return []
    simple = {str: "x", bool: False, int: 1, date: DAY, datetime: INSTANT,
              PersonData: {"family_name": "Example", "given_name": "Ana"}}
    return simple[tp]


def _required(cls: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return {f.name: _sample(hints[f.name]) for f in dataclasses.fields(cls)
            if f.init and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING}


def _code_fields(kind: str) -> list[tuple[str, str, bool]]:
    """(command, field path, holds a list) of every field of every command holding a ``kind``
    code, the person's fields included."""
    out: list[tuple[str, str, bool]] = []
    for name, cls in COMMAND_TYPES.items():
        for fname, tp in typing.get_type_hints(cls, include_extras=True).items():
            if tp is PersonData:
                for pname, ptp in typing.get_type_hints(PersonData, include_extras=True).items():
                    k, many = _marks(ptp)
                    if k == kind:
                        out.append((name, f"{fname}.{pname}", many))
                continue
            k, many = _marks(tp)
            if k == kind:
                out.append((name, fname, many))
    return out


def _with(name: str, path: str, many: bool, value: str) -> dict[str, Any]:
    data = _required(COMMAND_TYPES[name])
    head, _, tail = path.partition(".")
    if tail:
        data[head] = {**data[head], tail: [value] if many else value}
    else:
        data[head] = [value] if many else value
    return data


def _read(cmd: Any, path: str) -> Any:
    for part in path.split("."):
        cmd = getattr(cmd, part)
    return cmd


COUNTRY_FIELDS = _code_fields("country")
LANGUAGE_FIELDS = _code_fields("language")


def test_the_country_fields_are_those_of_the_spec() -> None:
    assert {(n, p) for n, p, _ in COUNTRY_FIELDS} == {
        ("open_case", "person.nationalities"), ("record_order", "protected_countries"),
        ("record_order", "designated_country"), ("record_order", "terminates_protection"),
        ("decide_appeal", "terminates_protection"), ("record_travel_document", "country"),
        ("serve_third_country_notice", "country"), ("record_fear_claim", "country"),
        ("decide_fear_claim", "country"), ("schedule_removal", "destination"),
        ("record_removal", "destination"), ("record_consular_advisal", "country"),
        ("notify_consulate", "country"),
    }
    assert {(n, p) for n, p, _ in LANGUAGE_FIELDS} == {
        ("open_case", "person.languages"), ("serve_nta", "language"),
        ("serve_third_country_notice", "language"), ("waive_appeal", "language"),
        ("serve_pocr_notice", "language"), ("revoke_release", "notice_language"),
        ("record_revocation_interview", "language"), ("serve_detainer", "language"),
        ("record_consular_advisal", "language"), ("record_legal_orientation", "language"),
    }


def test_every_command_parses_with_its_required_fields() -> None:
    for name, cls in COMMAND_TYPES.items():
        assert isinstance(parse_command(name, _required(cls)), cls)


@pytest.mark.parametrize(("name", "path", "many"), COUNTRY_FIELDS,
                         ids=[f"{n}.{p}" for n, p, _ in COUNTRY_FIELDS])
def test_every_country_field_normalises_and_refuses(name: str, path: str, many: bool) -> None:
    for typed in ("SV ", "sv", "SLV", "El Salvador"):
        got = _read(parse_command(name, _with(name, path, many, typed)), path)
        assert got == (("SV",) if many else "SV"), (name, path, typed)
    with pytest.raises(InvalidInput) as e:
        parse_command(name, _with(name, path, many, "ZZ"))
    assert e.value.field == (f"{path}[0]" if many else path)
    assert "'ZZ'" in e.value.message and "ISO 3166-1" in e.value.message


@pytest.mark.parametrize(("name", "path", "many"), LANGUAGE_FIELDS,
                         ids=[f"{n}.{p}" for n, p, _ in LANGUAGE_FIELDS])
def test_every_language_field_normalises_and_refuses(name: str, path: str, many: bool) -> None:
    for typed in ("es", " ES ", "es-MX", "Spanish", "spa"):
        got = _read(parse_command(name, _with(name, path, many, typed)), path)
        assert got == (("es",) if many else "es"), (name, path, typed)
    with pytest.raises(InvalidInput) as e:
        parse_command(name, _with(name, path, many, "Elvish"))
    assert e.value.field == (f"{path}[0]" if many else path)
    assert "'Elvish'" in e.value.message


def test_an_optional_code_left_empty_is_not_given() -> None:
    base = _required(COMMAND_TYPES["record_order"])
    for empty in ("", "  ", None):
        cmd = parse_command("record_order", {**base, "designated_country": empty})
        assert cmd.designated_country is None  # type: ignore[attr-defined]
    cmd = parse_command("waive_appeal", {**_required(COMMAND_TYPES["waive_appeal"]),
                                         "language": ""})
    assert cmd.language is None  # type: ignore[attr-defined]


def test_the_same_country_written_twice_is_one() -> None:
    data = _required(COMMAND_TYPES["open_case"])
    data["person"] = {**data["person"], "nationalities": ["SV", "El Salvador", "slv"],
                      "languages": ["es", "Spanish", "es-MX"]}
    cmd = parse_command("open_case", data)
    assert cmd.person.nationalities == ("SV",)  # type: ignore[attr-defined]
    assert cmd.person.languages == ("es",)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "field", "typed", "code"), [
    ("issue_nta", "court", " new ", "NEW"), ("schedule_hearing", "court", "hou", "HOU"),
    ("waive_appeal", "before", "new", "NEW"), ("record_order", "issued_by", "new", "NEW"),
    ("grant_stay", "issued_by", "ca9", "CA9"), ("lift_stay", "issued_by", "usdc-nys", "USDC-NYS"),
    ("decide_fear_claim", "issued_by", "uscis-nyc", "USCIS-NYC"),
    ("resolve_citizenship", "issued_by", "dhs", "DHS"),
    ("file_motion_to_reopen", "filed_with", "bia", "BIA"),
])
def test_court_and_issuer_fields_normalise(name: str, field: str, typed: str, code: str) -> None:
    data = {**_required(COMMAND_TYPES[name]), field: typed}
    assert getattr(parse_command(name, data), field) == code


@pytest.mark.parametrize(("name", "field", "typed"), [
    ("issue_nta", "court", "XYZ"), ("waive_appeal", "before", "CA9"),
    ("grant_stay", "issued_by", "USDC-ZZ"), ("decide_appeal", "issued_by", "ICE"),
])
def test_court_and_issuer_fields_refuse_naming_the_field(name: str, field: str,
                                                         typed: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_command(name, {**_required(COMMAND_TYPES[name]), field: typed})
    assert e.value.field == field and f"'{typed}'" in e.value.message
