"""Which tickets get a draft, what the draft says, and that reps' drafts are never touched."""
import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from bot.read import cells
from bot.backends.base import Snapshot
from bot.config import load_settings
from bot.cycle.compute import compute
from bot.tabs.drafts import Renderer, REQUEST_TEMPLATE
from bot.errors import TemplateError
from sheet_schema import load
from conftest import NOW, case, comp, replacement_case, replacement_comp, rows_of


def ready(out):
    return [(d.ticket_id, d.template) for d in out.drafts_ready]


def test_ready_refund_and_replacement(run):
    out = run([case("CS-1"), replacement_case("CS-2")], [comp("CS-1"), replacement_comp("CS-2")])
    assert ready(out) == [("CS-1", "Refund Processed"), ("CS-2", "Replacement Shipped")]


@pytest.mark.parametrize("log_fields, comp_fields", [
    pytest.param({"status": "Closed"}, {}, id="closed"),
    pytest.param({}, {"refund_processed_on": ""}, id="refund-not-processed"),
    pytest.param({}, {"refund_amount": ""}, id="refund-no-amount-on-comp"),
    pytest.param({"customer_email": "bad"}, {}, id="log-row-has-error"),
    pytest.param({}, {"type": "Replacement"}, id="type-disagrees"),
    pytest.param({}, {"refund_processed_on": "soon"}, id="comp-row-has-error"),
    pytest.param({}, {"refund_amount": 1.0}, id="amounts-disagree"),
])
def test_refund_not_ready(run, log_fields, comp_fields):
    assert ready(run([case("CS-1", **log_fields)], [comp("CS-1", **comp_fields)])) == []


@pytest.mark.parametrize("comp_fields", [
    pytest.param({"tracking_number": ""}, id="not-shipped"),
    pytest.param({"replacement_order_number": ""}, id="no-replacement-order"),
])
def test_replacement_not_ready(run, comp_fields):
    assert ready(run([replacement_case("CS-2")], [replacement_comp("CS-2", **comp_fields)])) == []


def test_no_comp_row_no_draft(run):
    assert ready(run([case("CS-1")])) == []


def test_warning_does_not_block_a_draft(run):
    out = run([case("CS-1", best_by_date="see photo")], [comp("CS-1")])
    assert out.validation.warnings == 1 and ready(out) == [("CS-1", "Refund Processed")]


def test_refund_draft_fields(run):
    out = run([case("CS-1", customer_name="  Ana María Lopez", refund_amount="$24.5")],
              [comp("CS-1", refund_amount=24.5)])
    (d,) = out.drafts_ready
    assert d.to == "ana.lopez@example.com"
    assert d.subject == "Your refund of $24.50 has been processed (ticket CS-1)"
    assert d.body.startswith("Hi Ana,")
    assert "$24.50" in d.body and "November 4, 2026" in d.body and "10299" in d.body
    assert "{{" not in d.body and "{%" not in d.body and "None" not in d.body


@pytest.mark.parametrize("name, greeting", [
    pytest.param("bob smith", "Hi Bob,", id="all-lower-capitalised"),
    pytest.param("mary-jane o'neil", "Hi Mary-Jane,", id="lower-hyphenated"),
    pytest.param("DeShawn Lee", "Hi DeShawn,", id="mixed-case-as-typed"),
    pytest.param("ANA LOPEZ", "Hi ANA,", id="upper-case-as-typed"),
    pytest.param("Ana Lopez", "Hi Ana,", id="already-capitalised"),
])
def test_greeting_capitalises_a_name_typed_all_lower_case(run, name, greeting):
    out = run([case("CS-1", customer_name=name)], [comp("CS-1")])
    (d,) = out.drafts_ready
    assert d.body.startswith(greeting + "\n")


def test_replacement_draft_fields(run):
    out = run([replacement_case("CS-2")], [replacement_comp("CS-2")])
    (d,) = out.drafts_ready
    assert "R-5001" in d.body and "1Z999AA10123456784" in d.body and "Sam" in d.body
    assert "{{" not in d.subject + d.body


@pytest.mark.parametrize("name", [
    pytest.param("{{ 7*7 }} Ana", id="expression"),
    pytest.param("{% for x in range(3) %}x{% endfor %}", id="statement"),
    pytest.param("=HYPERLINK(\"http://x\")", id="formula-like"),
    pytest.param("{{ ''.__class__.__mro__ }}", id="sandbox-escape-attempt"),
])
def test_customer_text_is_shown_as_typed_never_evaluated(run, name):
    out = run([case("CS-1", customer_name=name, product=name)], [comp("CS-1")])
    (d,) = out.drafts_ready
    assert f"Hi {name.split()[0]}," in d.body
    assert name in d.body
    assert "49" not in d.body.replace(name, "")


def test_template_naming_a_missing_field_is_an_error(tmp_path, run):
    (tmp_path / "refund_processed.txt.j2").write_text("Subject: hi\n\nHello {{ nickname }}")
    r = Renderer(tmp_path)
    with pytest.raises(TemplateError, match="nickname"):
        compute(Snapshot({"Defective Log": rows_of("defective_log", [case("CS-1")]),
                          "Comp Sheet": rows_of("comp_sheet", [comp("CS-1")])}, "t"),
                load_settings(environ={}), NOW, r)


@pytest.mark.parametrize("text, fragment", [
    pytest.param("Subject: hi\n\n{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe", id="sandbox"),
    pytest.param("Subject: hi\n\n{% if %}", "syntax", id="syntax-error"),
    pytest.param("Hello {{ first_name }}", "Subject", id="no-subject-line"),
])
def test_admin_template_mistakes_are_clear_errors(tmp_path, text, fragment):
    (tmp_path / "t.j2").write_text(text)
    with pytest.raises(TemplateError, match=fragment):
        Renderer(tmp_path).render("t.j2", {"first_name": "Ana"})


def test_a_template_renders_as_jinja_renders_it_with_its_globals(tmp_path):
    """The Renderer hands jinja the template's globals itself (bot.tabs.drafts._rendered): a template
    using them (range, namespace, cycler, joiner) renders as jinja's own render makes it."""
    (tmp_path / "t.j2").write_text(
        "Subject: {{ first_name }} {{ signoff }}\n\n{% set ns = namespace(n=0) %}{% for i in range(3) %}"
        "{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }} {% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}"
        "{% set j = joiner('|') %}{% for x in [1, 2] %}{{ j() }}{{ x }}{% endfor %} {{ dict(a=1)['a'] }}")
    r = Renderer(tmp_path, signoff="Team")
    subject, body = r.render("t.j2", {"first_name": "Ana"})
    assert (subject, body) == ("Ana Team", "3 ab1|2 1")
    assert r.render("t.j2", {"first_name": "Bo"})[0] == "Bo Team"   # the globals copied once serve every email


def test_a_template_edited_between_cycles_is_used_by_the_next_cycle(tmp_path):
    """Templates are compiled once for the process (drafts._compiled), by content: an edit is seen by the
    next cycle's Renderer even within the same second as the last render (same modification time)."""
    template = tmp_path / "t.j2"
    template.write_text("Subject: Hi {{ first_name }}\n\nOld body")
    stamp = template.stat().st_mtime_ns
    assert Renderer(tmp_path).render("t.j2", {"first_name": "Ana"}) == ("Hi Ana", "Old body")
    template.write_text("Subject: Hello {{ first_name }}\n\nNew body")
    os.utime(template, ns=(stamp, stamp))   # an editor as fast as the clock's tick
    assert Renderer(tmp_path).render("t.j2", {"first_name": "Ana"}) == ("Hello Ana", "New body")
    template.write_text("Subject: Hi {{ first_name }}\n\nOld body")   # and back: the first one again
    assert Renderer(tmp_path).render("t.j2", {"first_name": "Ana"}) == ("Hi Ana", "Old body")


def test_a_template_is_compiled_from_the_text_its_drafts_were_hashed_from(tmp_path):
    """A file edited between the hash and the render of one cycle: that cycle renders what it hashed, and
    the next cycle with the first text again renders the first text (not a compile cached under its hash)."""
    template = tmp_path / "t.j2"
    template.write_text("Subject: Hi\n\nFirst")
    during = Renderer(tmp_path)
    during.source_hash("t.j2", {})
    template.write_text("Subject: Hi\n\nSecond")
    assert during.render("t.j2", {}) == ("Hi", "First")
    assert Renderer(tmp_path).render("t.j2", {}) == ("Hi", "Second")
    template.write_text("Subject: Hi\n\nFirst")
    assert Renderer(tmp_path).render("t.j2", {}) == ("Hi", "First")


def drafts_table(rows):
    from sheet_schema import load
    schema = load("drafts")
    return [schema.headers] + [[r.get(c.key) for c in schema.columns] for r in rows]


def test_rep_status_freezes_a_draft_and_bot_never_writes_status(run):
    first = run([case("CS-1"), replacement_case("CS-2")], [comp("CS-1"), replacement_comp("CS-2")])
    rows = first.desired["drafts"]
    rows[0]["status"] = "Sent"
    rows[0]["body"] = "edited by the rep"
    # The customer's name is corrected afterwards: only the unsent draft follows.
    out = run([case("CS-1", customer_name="Anna Lopez"), replacement_case("CS-2", customer_name="Bob Ray")],
              [comp("CS-1"), replacement_comp("CS-2")], extra={"Drafts": drafts_table(rows)})
    sent, unsent = out.desired["drafts"]
    assert sent["body"] == "edited by the rep" and sent["status"] == "Sent"
    assert unsent["body"].startswith("Hi Bob,")
    assert unsent["drafted_at"] == rows[1]["drafted_at"]
    sent_on = load("drafts").headers.index("Sent On") + 1
    for w in out.plan.writes:
        if w.tab == "Drafts":
            # Status (G) is the reps'; on the sent row the bot writes only the day it saw Sent.
            assert not w.col <= 7 <= w.last_col and (w.row != 2 or w.col == w.last_col == sent_on), w
            assert w.row != 2 or w.values == (("2026-11-23",),)
    assert [d.ticket_id for d in out.drafts_ready] == ["CS-2"]  # the sent one is not even rendered


def test_draft_stays_when_ticket_is_closed_later(run):
    first = run([case("CS-1")], [comp("CS-1")])
    out = run([case("CS-1", status="Closed")], [comp("CS-1")],
              extra={"Drafts": drafts_table(first.desired["drafts"])})
    assert all(w.tab != "Drafts" for w in out.plan.writes)


def test_every_template_renders_with_sample_fields():
    r = Renderer()
    fields = {"ticket_id": "CS-1", "customer_name": "Ana Lopez", "first_name": "Ana", "order_number": "1",
              "product": "Chips", "defect_type": "Clumping", "units": 1, "agent": "Sam",
              "replacement_order_number": "R-1", "tracking_number": "1Z", "refund_amount": "$1.00",
              "refund_processed_on": "November 4, 2026"}
    folder = Path(r.template_dir)
    names = sorted(p.name for p in folder.glob("*.txt.j2"))  # the email templates
    assert names == ["defective_product_request.txt.j2", "follow_up.txt.j2", "refund_processed.txt.j2",
                     "replacement_shipped.txt.j2"]
    fields["resolution"] = "Refund"
    for name in names:
        subject, body = r.render(name, fields)
        assert subject and body and "{{" not in body
    assert "lot number" in r.render(REQUEST_TEMPLATE, fields)[1]


def test_unchanged_drafts_are_not_rendered_again_changed_ones_are(run):
    first = run([case("CS-1"), replacement_case("CS-2")], [comp("CS-1"), replacement_comp("CS-2")])
    assert all(d.rendered for d in first.drafts_ready)
    table = drafts_table(first.desired["drafts"])
    again = run([case("CS-1"), replacement_case("CS-2", agent="Kim")], [comp("CS-1"), replacement_comp("CS-2")],
                extra={"Drafts": table})
    assert [(d.ticket_id, d.rendered) for d in again.drafts_ready] == [("CS-1", False), ("CS-2", True)]
    assert "Kim" in again.desired["drafts"][1]["body"]
    assert {w.row for w in again.plan.writes if w.tab == "Drafts"} == {3}


@pytest.mark.parametrize("field, value", [
    pytest.param("subject", "", id="subject-cleared"),
    pytest.param("body", "", id="body-cleared"),
    pytest.param("body", "Hi {{ first_name }}", id="body-overtyped"),
])
def test_a_draft_edited_before_its_status_is_set_is_drafted_again(run, field, value):
    """The bot owns a draft until a rep sets its Status: an unchanged case whose Subject or Body someone
    cleared or overtyped gets its text back (a draft never holds an empty field)."""
    cases, comps = [case("CS-1"), replacement_case("CS-2")], [comp("CS-1"), replacement_comp("CS-2")]
    first = run(cases, comps)
    rows = [dict(r) for r in first.desired["drafts"]]
    original = rows[0][field]
    rows[0][field] = value
    again = run(cases, comps, extra={"Drafts": drafts_table(rows)})
    assert again.desired["drafts"][0][field] == original
    assert [(d.ticket_id, d.rendered) for d in again.drafts_ready] == [("CS-1", True), ("CS-2", False)]
    assert {w.row for w in again.plan.writes if w.tab == "Drafts"} == {2}


# A draft's fields are stored (cells.storables) and cleaned of line breaks with a shortcut for the common
# draft; the shortcuts must give the very hash and text of the long way.
_FIELD_VALUE = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFF), max_size=12),
    st.text(alphabet="abc\r\n\x0b\u2028\x00", max_size=6),
    st.integers(-5, 5), st.none(), st.just(float("inf")), st.just("x" * 20000),
)


@hsettings(max_examples=300, deadline=None)
@given(fields=st.fixed_dictionaries({"first_name": _FIELD_VALUE, "product": _FIELD_VALUE, "units": _FIELD_VALUE}))
def test_shortcuts_give_the_same_hash_and_text(fields):
    r = Renderer()
    name = "refund_processed.txt.j2"
    assert r.source_hash(name, fields) == r.source_hash(name, {k: cells.storable(v) for k, v in fields.items()})
    full = {"ticket_id": "CS-1", "customer_name": "A B", "order_number": "1", "defect_type": "Rancid",
            "agent": "Bo", "refund_amount": "$1.00", "refund_processed_on": "May 1, 2026", **fields}
    assert r.render(name, full) == r._render(name, full, one_line_each=False)


@hsettings(max_examples=200, deadline=None)
@given(many=st.lists(st.fixed_dictionaries({"first_name": _FIELD_VALUE, "product": _FIELD_VALUE}), max_size=5))
def test_many_rendered_at_once_are_each_rendered_alone(many):
    r = Renderer()
    name = "refund_processed.txt.j2"
    full = [{"ticket_id": "CS-1", "customer_name": "A B", "order_number": "1", "defect_type": "Rancid", "units": 1,
             "agent": "Bo", "refund_amount": "$1.00", "refund_processed_on": "May 1, 2026", **f} for f in many]
    assert r.render_many([name] * len(full), full) == [r.render(name, f) for f in full]


@pytest.mark.parametrize("products, expected", [
    pytest.param(["Trail Mix 12oz", "trail mix 12 oz", "Trail Mix 12oz"], "Trail Mix 12oz", id="most-used-wins"),
    pytest.param(["trail mix 12 oz", "Trail Mix 12oz"], "trail mix 12 oz", id="tie-first-seen-wins"),
    pytest.param(["TRAIL MIX - 12OZ", "Trail Mix 12oz", "Trail Mix 12oz", "", None], "Trail Mix 12oz",
                 id="blanks-ignored"),
])
def test_product_spellings(products, expected):
    from bot.tabs.drafts import product_spellings
    from bot.tabs.escalations import RecurrenceSettings
    names = product_spellings(products, RecurrenceSettings().key)
    assert {names[p] for p in products if p} == {expected}


def test_product_spellings_follow_the_aliases():
    from bot.tabs.drafts import product_spellings
    from bot.tabs.escalations import RecurrenceSettings
    key = RecurrenceSettings(aliases={"tmix12": "trailmix12oz"}).key
    names = product_spellings(["Trail Mix 12oz", "Trail Mix 12oz", "TMix12", "Oat Bites"], key)
    assert names == {"Trail Mix 12oz": "Trail Mix 12oz", "TMix12": "Trail Mix 12oz", "Oat Bites": "Oat Bites"}


def test_a_product_name_without_letters_or_digits_keeps_its_own_spelling():
    from bot.tabs.drafts import product_spellings
    from bot.tabs.escalations import RecurrenceSettings
    assert product_spellings(["***", "Oat Bites"], RecurrenceSettings().key) == {"***": "***", "Oat Bites": "Oat Bites"}


def test_draft_names_the_product_as_the_log_mostly_spells_it(run):
    log = [case("CS-1", product="trail mix original 12 oz"), case("CS-2"), case("CS-3", status="Closed")]
    out = run(log, [comp("CS-1")])
    (draft,) = out.drafts_ready
    assert "Trail Mix Original 12oz" in draft.body and "trail mix original 12 oz" not in draft.body


ALL_CASE_FIELDS = ("{{ ticket_id }}|{{ customer_name }}|{{ first_name }}|{{ order_number }}|{{ product }}|"
                   "{{ defect_type }}|{{ units }}|{{ agent }}")


@pytest.mark.parametrize("file_name, more, log_row, comp_row, shown", [
    pytest.param("refund_processed.txt.j2", "|{{ refund_amount }}|{{ refund_processed_on }}", case("CS-1"),
                 comp("CS-1"), "|$8.99|November 4, 2026", id="refund"),
    pytest.param("replacement_shipped.txt.j2", "|{{ replacement_order_number }}|{{ tracking_number }}",
                 replacement_case("CS-1"), replacement_comp("CS-1"), "|R-5001|1Z999AA10123456784", id="replacement"),
])
def test_a_teams_own_template_can_use_every_field_of_the_case(tmp_path, file_name, more, log_row, comp_row, shown):
    (tmp_path / file_name).write_text("Subject: {{ ticket_id }}\n\n" + ALL_CASE_FIELDS + more)
    out = compute(Snapshot({"Defective Log": rows_of("defective_log", [log_row]),
                            "Comp Sheet": rows_of("comp_sheet", [comp_row])}, "t"),
                  load_settings(environ={}), NOW, Renderer(tmp_path))
    (d,) = out.drafts_ready
    assert d.body == "CS-1|Ana Lopez|Ana|10299|Trail Mix Original 12oz|Foreign Object|1|Sam" + shown


def test_a_line_break_in_a_field_never_cuts_the_subject_line():
    fields = {"ticket_id": "CS-1", "customer_name": "Ana Lopez", "first_name": "Ana", "order_number": "1",
              "product": "Trail Mix\nOriginal", "defect_type": "Clumping", "units": 1, "agent": "Sam",
              "refund_amount": "$1.00", "resolution": "Refund"}
    subject, body = Renderer().render("follow_up.txt.j2", fields)
    assert subject == "How did we do? A quick follow-up on your Trail Mix Original (ticket CS-1)"
    assert "your Trail Mix Original from order 1" in body


def test_a_missing_template_is_a_clear_error(tmp_path):
    with pytest.raises(TemplateError, match="is missing from"):
        Renderer(tmp_path).render("refund_processed.txt.j2", {"first_name": "Ana"})


def test_an_edited_template_redrafts_an_unsent_draft(tmp_path):
    import shutil
    folder = tmp_path / "templates"
    shutil.copytree(Renderer().template_dir, folder, ignore=shutil.ignore_patterns("__*"))
    tabs = {"Defective Log": rows_of("defective_log", [case("CS-1")]), "Comp Sheet": rows_of("comp_sheet", [comp("CS-1")])}
    first = compute(Snapshot(tabs, "t"), load_settings(environ={}), NOW, Renderer(folder))
    path = folder / "refund_processed.txt.j2"
    path.write_text(path.read_text().replace("Hi {{ first_name }},", "Dear {{ first_name }},"))
    again = compute(Snapshot({**tabs, "Drafts": drafts_table(first.desired["drafts"])}, "t"),
                    load_settings(environ={}), NOW, Renderer(folder))
    (d,) = again.drafts_ready
    assert d.rendered and d.body.startswith("Dear Ana,")


@pytest.mark.parametrize("body_text, body", [
    pytest.param("{{ first_name }}, your refund is on its way.\n{{ signoff }}",
                 "Xavier, your refund is on its way.\nCustomer Care Team", id="opens-with-the-name-Xavier"),
    pytest.param("Hi {{ first_name }},\nWe are sorry.  \n\t\n", "Hi Xavier,\nWe are sorry.", id="spaces-at-the-end"),
    pytest.param("    SNACK CO. QUALITY DESK\n\nHi {{ first_name }},", "SNACK CO. QUALITY DESK\n\nHi Xavier,",
                 id="indented-first-line"),
])
def test_a_body_is_the_template_without_the_whitespace_around_it_and_the_next_cycle_keeps_it(tmp_path, body_text,
                                                                                              body):
    """Found in issue 17: a body was trimmed only of line breaks, while the next cycle reads a cell without
    the spaces around it; a team's template ending in spaces had every draft rewritten once."""
    (tmp_path / "refund_processed.txt.j2").write_text("Subject: Ticket {{ ticket_id }}\n\n\n" + body_text + "\n\n\n")
    renderer = Renderer(tmp_path)
    assert renderer.render("refund_processed.txt.j2", {"ticket_id": "CS-1", "first_name": "Xavier"}) == \
        ("Ticket CS-1", body)
    tabs = {"Defective Log": rows_of("defective_log", [case("CS-1")]), "Comp Sheet": rows_of("comp_sheet", [comp("CS-1")])}
    first = compute(Snapshot(tabs, "t"), load_settings(environ={}), NOW, renderer)
    again = compute(Snapshot({**tabs, "Drafts": drafts_table(first.desired["drafts"])}, "t"),
                    load_settings(environ={}), NOW, renderer)
    assert "Drafts" not in again.plan.tabs_written() and not again.drafts_ready[0].rendered


def draft(ticket: str, body: str):
    from bot.tabs.drafts import Draft
    return Draft(ticket, "Refund Processed", "ana@example.com", f"About {ticket}", body, f"hash-{body}")


@pytest.mark.parametrize("status, kept", [
    pytest.param("Sent", True, id="status-set-row-never-changed"),
    pytest.param("  on hold ", True, id="any-status-a-rep-typed"),
    pytest.param(None, False, id="blank-status-row-redrafted"),
])
def test_desired_drafts_never_changes_a_row_whose_status_a_rep_set(status, kept):
    from bot.tabs.drafts import desired_drafts
    from bot.tabs.layout import draft_key
    row = {"ticket_id": "CS-1", "template": "Refund Processed", "to": "ana@example.com", "subject": "About CS-1",
           "body": "my own words", "source_hash": "hash-old", "drafted_at": "2026-11-01 09:00", "status": status}
    (out,) = desired_drafts([row], [draft("CS-1", "the bot's new words")], "2026-11-05 09:00", key_of=draft_key)
    assert out == row if kept else \
        out == {**row, "body": "the bot's new words", "source_hash": "hash-the bot's new words"}   # Drafted At set once


def test_desired_drafts_keeps_one_row_per_ticket_when_a_ticket_comes_twice():
    from bot.tabs.drafts import desired_drafts
    from bot.tabs.layout import draft_key
    rows = desired_drafts([], [draft("CS-1", "first"), draft("CS-2", "other"), draft("CS-1", "second")],
                          "2026-11-05 09:00", key_of=draft_key)
    assert [(r["ticket_id"], r["body"]) for r in rows] == [("CS-1", "second"), ("CS-2", "other")]


def _source_hash_as_documented(r: Renderer, file_name: str, fields: dict) -> str:
    """The Source Hash as drafts have always been written with it: a sheet keeps the hashes, so the way
    they are computed must not change (every open draft would be rendered and written again)."""
    r.source_hashes([file_name], [{}])   # the template's digest
    key = repr((r._template_digests[file_name], r.signoff, [(k, cells.storable(fields[k])) for k in sorted(fields)]))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@hsettings(max_examples=200, deadline=None)
@given(drafts=st.lists(st.tuples(st.sampled_from(["refund_processed.txt.j2", "replacement_shipped.txt.j2"]),
                                 st.dictionaries(st.sampled_from(["first_name", "product", "units", "{odd}", "it's"]),
                                                 _FIELD_VALUE | st.floats(allow_nan=True) | st.booleans(),
                                                 max_size=4)),
                       max_size=6),
       signoff=st.text(max_size=8))
def test_source_hashes_are_the_documented_hash(drafts, signoff):
    r = Renderer(signoff=signoff)
    got = r.source_hashes([name for name, _ in drafts], [fields for _, fields in drafts])
    assert got == [_source_hash_as_documented(r, name, fields) for name, fields in drafts]
