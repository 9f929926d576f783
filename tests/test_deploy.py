"""The deployment recipes (deploy/ and docs/DEPLOY.md) stay true to the code.

Every bot command line in them parses with the real argument parser, every environment variable they
name is one the bot reads, the systemd units, the Dockerfile, the crontab, the workflow and the
Kubernetes manifest have the parts the docs promise. Standard library only; nothing here runs a
recipe or reaches the network.
"""
from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from bot.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
DOC = ROOT / "docs" / "DEPLOY.md"
RECIPE_FILES = sorted(p for p in DEPLOY.iterdir() if p.is_file())
ALL_FILES = RECIPE_FILES + [DOC, ROOT / ".dockerignore"]
SUBCOMMANDS = {"run", "watch", "validate", "init", "doctor", "demo"}

# `defective-log-bot` or `python -m bot` where it is the program being run: after `bin/`, an
# opening backtick, `run: ` (YAML), `ExecStart=`, or first on a line (optionally after `$ `).
INVOCATION = re.compile(
    r"(?:(?<=bin/)|(?<=`)|(?<=run: )|(?<=ExecStart=)|^[ \t]*(?:\$ )?)"
    r"(?:defective-log-bot|python3? -m bot)(?=[ \t])", re.M)
SHELL_STOP = re.compile(r"^(?:\d?>>?.*|\d?<.*|\||\|\||&&|;|&|2>&1)$")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def joined(path: Path) -> str:
    """The file with shell line continuations joined."""
    return re.sub(r"\\\n[ \t]*", " ", text(path))


def command_lines(path: Path) -> list[tuple[str, list[str]]]:
    """(the line as written, the arguments after the program) for every bot invocation in `path`."""
    found = []
    body = joined(path)
    for m in INVOCATION.finditer(body):
        rest = body[m.end():].split("\n", 1)[0].split("`", 1)[0]
        tokens = shlex.split(rest, comments=True)
        args = []
        for tok in tokens:
            if SHELL_STOP.match(tok):
                break
            args.append(tok)
        found.append((body[m.start():m.end()] + rest, args))
    return found


def parses(args: list[str]):
    try:
        return build_parser().parse_args(args)
    except SystemExit as exc:  # argparse reports the problem on stderr and exits
        raise AssertionError(f"{args} does not parse (exit {exc.code})") from None


def all_commands() -> list[tuple[Path, str, list[str]]]:
    return [(p, line, args) for p in RECIPE_FILES + [DOC] for line, args in command_lines(p)]


# ---- command lines ---------------------------------------------------------------------------------

def test_the_extractor_finds_the_commands_and_rejects_a_bad_one(tmp_path):
    sample = tmp_path / "x.md"
    sample.write_text("Run `defective-log-bot run --once --workbook a.xlsx` now.\n"
                      "    .venv/bin/defective-log-bot watch --every 5 >> log 2>&1\n"
                      "docker build -t defective-log-bot .\n"
                      "python -m bot validate --workbook \\\n    team.xlsx   # comment\n")
    assert [a for _, a in command_lines(sample)] == [
        ["run", "--once", "--workbook", "a.xlsx"], ["watch", "--every", "5"],
        ["validate", "--workbook", "team.xlsx"]]
    with pytest.raises(AssertionError):
        parses(["run", "--onse"])


def test_every_command_line_in_the_recipes_parses():
    commands = all_commands()
    files = {p.name for p, _, _ in commands}
    for name in ("crontab", "defective-log-bot.service", "defective-log-bot-watch.service",
                 "github-actions-schedule.yml", "DEPLOY.md"):
        assert name in files, f"no bot command found in {name}"
    used = set()
    for path, line, args in commands:
        ns = parses(args)
        used.add(ns.command)
        assert "--help" not in args and "--version" not in args, line
        if ns.command == "run" and path.parent == DEPLOY:
            assert ns.once, f"{path.name}: a scheduled run should say --once: {line}"
    assert {"run", "watch"} <= used


def test_the_image_and_pod_arguments_parse():
    dockerfile = text(DEPLOY / "Dockerfile")
    entry = json.loads(re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", dockerfile, re.M).group(1))
    cmd = json.loads(re.search(r"^CMD\s+(\[.*\])\s*$", dockerfile, re.M).group(1))
    assert entry == ["defective-log-bot"]
    assert parses(cmd).command == "run" and parses(cmd).once
    k8s = text(DEPLOY / "kubernetes-cronjob.yaml")
    args = re.findall(r"^\s*args:\s*(\[.*\])\s*$", k8s, re.M)
    assert args and all(parses(json.loads(a)).command == "run" for a in args)
    # docker run ... IMAGE [ARGS] and gcloud --args=a,b,c in the guide
    doc = joined(DOC)
    runs = [shlex.split(line, comments=True) for line in re.findall(r"^\s*docker run .*$", doc, re.M)]
    assert runs
    for tokens in runs:
        images = [i for i, t in enumerate(tokens) if re.fullmatch(r"(?:\S+/)?defective-log-bot(?::\S+)?", t)]
        assert images, tokens
        rest = tokens[images[-1] + 1:]
        if rest:
            assert parses(rest).command in SUBCOMMANDS
    gcloud_args = re.findall(r"--args=(\S+)", doc)
    assert gcloud_args and all(parses(a.split(",")).command == "run" for a in gcloud_args)


# ---- environment variables -------------------------------------------------------------------------

def variables_the_bot_reads() -> set[str]:
    from bot.config import ENV
    names = set(ENV)
    for source in (ROOT / "bot").rglob("*.py"):
        names |= set(re.findall(r"""environ(?:\.get\(|\[)\s*["']([A-Z0-9_]+)["']""", text(source)))
    return names


BOT_LIKE = re.compile(r"\b(DLB_[A-Z0-9_]+|GOOGLE_APPLICATION_CREDENTIALS|XDG_[A-Z_]+)\b")


def test_the_bot_reads_the_variables_we_expect():
    assert {"DLB_CONFIG", "DLB_WORKBOOK", "DLB_SPREADSHEET", "DLB_CREDENTIALS",
            "GOOGLE_APPLICATION_CREDENTIALS", "DLB_DAY_FIRST", "DLB_CACHE_DIR"} <= variables_the_bot_reads()


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_variable_named_in_the_recipes_is_read_by_the_bot(path):
    named = set(BOT_LIKE.findall(text(path)))
    invented = named - variables_the_bot_reads()
    assert not invented, f"{path.name} names {sorted(invented)}, which the bot never reads"


def test_the_guide_documents_every_variable_the_bot_reads():
    missing = {v for v in variables_the_bot_reads() if v not in text(DOC)}
    assert not missing, f"docs/DEPLOY.md does not mention {sorted(missing)}"


# ---- systemd ---------------------------------------------------------------------------------------

def unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file as {section: [(key, value), ...]} (keys may repeat, as in systemd)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in text(path).splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        assert current is not None and "=" in line, f"{path.name}: cannot read {raw!r}"
        key, value = line.split("=", 1)
        current.append((key.strip(), value.strip()))
    return sections


def one(section: list[tuple[str, str]], key: str) -> str:
    values = [v for k, v in section if k == key]
    assert len(values) == 1, f"expected one {key}=, found {values}"
    return values[0]


def exec_args(service: list[tuple[str, str]]) -> list[str]:
    program, *args = shlex.split(one(service, "ExecStart"))
    assert program.startswith("/") and program.endswith("/defective-log-bot"), program
    return args


def test_oneshot_service_and_timer():
    svc = unit(DEPLOY / "defective-log-bot.service")
    timer = unit(DEPLOY / "defective-log-bot.timer")
    s = svc["Service"]
    assert one(s, "Type") == "oneshot"
    ns = parses(exec_args(s))
    assert ns.command == "run" and ns.once
    assert one(s, "User") not in ("root", "0")
    assert not [k for k, _ in s if k.startswith("Restart")], "a timer's oneshot needs no Restart="
    assert one(timer["Timer"], "OnCalendar")
    assert one(timer["Timer"], "Unit") == "defective-log-bot.service"
    assert one(timer["Install"], "WantedBy") == "timers.target"


def test_watch_service_restarts_except_on_bad_configuration():
    s = unit(DEPLOY / "defective-log-bot-watch.service")
    svc = s["Service"]
    assert one(svc, "Type") == "simple"
    assert parses(exec_args(svc)).command == "watch"
    assert one(svc, "Restart") == "on-failure"   # not after a clean stop (exit 0)
    assert "2" in one(svc, "RestartPreventExitStatus").split()
    assert "3" not in one(svc, "RestartPreventExitStatus").split()
    assert float(one(svc, "RestartSec").rstrip("s")) >= 10
    assert one(svc, "User") not in ("root", "0")
    assert one(s["Install"], "WantedBy") == "multi-user.target"


def test_cache_folder_is_the_one_the_units_create():
    for name in ("defective-log-bot.service", "defective-log-bot-watch.service"):
        svc = unit(DEPLOY / name)["Service"]
        env = dict(v.split("=", 1) for k, v in svc if k == "Environment")
        assert env["DLB_CACHE_DIR"] == "/var/cache/" + one(svc, "CacheDirectory")


# ---- crontab ---------------------------------------------------------------------------------------

def test_crontab_line_is_locked_and_scheduled():
    jobs = [l for l in text(DEPLOY / "crontab").splitlines()
            if l.strip() and not l.startswith("#") and not re.match(r"^[A-Z_]+=", l)]
    assert len(jobs) == 1
    fields = jobs[0].split(None, 5)
    assert len(fields) == 6 and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5])
    assert fields[5].startswith("flock -n "), "run --once takes no lock of its own"


# ---- Docker ----------------------------------------------------------------------------------------

def test_dockerfile():
    df = text(DEPLOY / "Dockerfile")
    assert re.search(r"^ARG BASE=python:3\.11-slim$", df, re.M) and re.search(r"^FROM \$\{BASE\}$", df, re.M)
    user = re.findall(r"^USER\s+(\S+)", df, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    copied = []
    for line in re.findall(r"^COPY\s+(.+)$", df, re.M):
        *sources, _dest = line.split()
        copied += sources
    for src in copied:
        assert (ROOT / src).exists(), f"COPY {src}: no such file in the repo"
    py = tomllib.loads(text(ROOT / "pyproject.toml"))
    for package in py["tool"]["setuptools"]["packages"]:
        assert package.split(".")[0] in copied, f"the image would miss the package {package}"
    assert py["project"]["readme"] in copied
    env = dict(re.findall(r"(DLB_CACHE_DIR)=(\S+)", df))
    volumes = json.loads(re.search(r"^VOLUME\s+(\[.*\])", df, re.M).group(1))
    assert env["DLB_CACHE_DIR"] in volumes
    assert "pip install" in df


def dockerignore_excludes(rel: str, patterns: list[str]) -> bool:
    """Docker's rule, simplified: the last pattern matching the path or one of its parents wins."""
    def rx(p: str) -> re.Pattern:
        out, i = "", 0
        while i < len(p):
            if p.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif p.startswith("**", i):
                out, i = out + ".*", i + 2
            elif p[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif p[i] == "?":
                out, i = out + "[^/]", i + 1
            else:
                out, i = out + re.escape(p[i]), i + 1
        return re.compile(out + r"\Z")
    parts = rel.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        if any(rx(pattern.lstrip("!")).match(c) for c in candidates):
            excluded = not negate
    return excluded


def test_dockerignore_keeps_what_the_image_copies_and_drops_keys():
    patterns = [l.strip() for l in text(ROOT / ".dockerignore").splitlines()
                if l.strip() and not l.startswith("#")]
    df = text(DEPLOY / "Dockerfile")
    for line in re.findall(r"^COPY\s+(.+)$", df, re.M):
        for src in line.split()[:-1]:
            files = [ROOT / src] if (ROOT / src).is_file() else [
                f for f in (ROOT / src).rglob("*") if f.is_file() and "__pycache__" not in f.parts]
            for f in files:
                rel = f.relative_to(ROOT).as_posix()
                assert not dockerignore_excludes(rel, patterns), f"{rel} is copied but .dockerignore drops it"
    for rel in ["credentials.example.json", "service-account.json", "keys/sa.json", "team.xlsx",
                "demo-output/crunch-and-co-defective-log.xlsx", ".venv/bin/python", ".git/HEAD",
                "bot.example.toml"]:
        assert dockerignore_excludes(rel, patterns), f".dockerignore lets {rel} into the build context"


# ---- CI workflow and Kubernetes --------------------------------------------------------------------

def test_the_workflow_is_an_example_that_cannot_run_here():
    wf = text(DEPLOY / "github-actions-schedule.yml")
    assert not (ROOT / ".github" / "workflows" / "github-actions-schedule.yml").exists()
    crons = re.findall(r"^\s*-\s*cron:\s*\"([^\"]+)\"", wf, re.M)
    assert crons and all(len(c.split()) == 5 for c in crons)
    assert re.search(r"^concurrency:\s*\n\s+group:\s*\S+\s*\n\s+cancel-in-progress:\s*false", wf, re.M)
    assert "${{ secrets." in wf and "umask 077" in wf
    assert re.search(r"if: always\(\)\s*\n\s*run: rm -f", wf), "the key file is removed even after a failure"
    removed = re.search(r"if: always\(\)\s*\n\s*run: rm -f ([^\n]+)", wf).group(1)
    assert '"$DLB_CACHE_DIR"/defective-log-bot/token-*.json' in removed, "the kept token never reaches the Actions cache"
    assert "\t" not in wf


def test_the_cronjob_never_overlaps_and_does_not_retry_bad_configuration():
    k8s = text(DEPLOY / "kubernetes-cronjob.yaml")
    assert re.search(r"^kind: CronJob$", k8s, re.M)
    assert re.search(r"^\s+concurrencyPolicy: Forbid\b", k8s, re.M)
    assert re.search(r"^\s+restartPolicy: Never$", k8s, re.M)
    assert re.search(r"action: FailJob[^\n]*\n(?:[^\n]*\n){1,3}?\s+operator: In\n\s+values: \[2\]", k8s)
    assert re.search(r"runAsNonRoot: true", k8s) and "\t" not in k8s


# ---- the guide and the README ----------------------------------------------------------------------

def test_the_guide_covers_every_recipe_and_exit_code():
    doc = text(DOC)
    for p in RECIPE_FILES:
        assert f"deploy/{p.name}" in doc, f"docs/DEPLOY.md never mentions deploy/{p.name}"
    assert "## watch under a process supervisor" in doc
    for code in ("0", "1", "2", "3"):
        assert re.search(rf"^\| `{code}` \|", doc, re.M), f"exit code {code} missing from the table"
    assert "RestartPreventExitStatus=2" in doc


def test_readme_points_to_the_guide():
    readme = text(ROOT / "README.md")
    assert readme.startswith("# Defective Log Bot\n")
    assert re.search(r"^#+ Deployment\n(?:.*\n){0,12}?.*\(docs/DEPLOY\.md\)", readme, re.M)


# ---- the exit codes a supervisor acts on -----------------------------------------------------------

def test_watch_exits_2_on_bad_configuration_and_3_when_another_worker_holds_the_sheet(tmp_path, capsys):
    bad = tmp_path / "bot.toml"
    bad.write_text("[watch]\nevery = 5\n")
    assert main(["watch", "--config", str(bad), "--workbook", str(tmp_path / "t.xlsx")]) == 2
    assert main(["watch", "--spreadsheet", "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFG"]) == 2  # no key file
    from bot.cycle.lock import WorkerLock, lock_path_for
    book = tmp_path / "team.xlsx"
    with WorkerLock(lock_path_for(str(book), book), str(book)):
        assert main(["watch", "--workbook", str(book)]) == 3
    err = capsys.readouterr().err
    assert "Unknown setting 'every'" in err and "Another worker is already watching" in err
