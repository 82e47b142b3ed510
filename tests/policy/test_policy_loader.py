"""Loading policy files: every kind of bad file names the field and a fix; hashing; where policies live."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from jupyter_privacy.policy import PolicyError, PolicyProblem, default_policy, load_policy
from jupyter_privacy.policy.default import canonical_json

MINIMAL = """\
version: 1
controller:
  name: Example B.V.
  contact: privacy@example.org
"""


PURPOSE = """\
purposes:
  - id: churn-model
    description: Churn
    lawful_bases: [legitimate_interest]
    retention: P1Y
"""


def _problems(path: Path) -> list[PolicyProblem]:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert info.value.problems
    for problem in info.value.problems:
        assert problem.message and problem.hint
    return info.value.problems


def _only(path: Path) -> PolicyProblem:
    problems = _problems(path)
    assert len(problems) == 1, problems
    return problems[0]


BAD = {
    "unknown top-level key": (
        MINIMAL + "enforcment: enforce\n",
        "enforcment",
        "unknown field",
        "did you mean `enforcement`",
    ),
    "typo in a purpose field": (
        MINIMAL + PURPOSE + "    descripton: typo\n",
        "purposes[0].descripton",
        "unknown field",
        "allowed here: id, description",
    ),
    "bad lawful basis": (
        MINIMAL + PURPOSE.replace("[legitimate_interest]", "[legitimate_interest, consentt]"),
        "purposes[0].lawful_bases[1]",
        "'consentt' is not an allowed value",
        "did you mean `consent`",
    ),
    "bad reference regex": (
        MINIMAL + PURPOSE + "    reference: {pattern: '^(LIA-\\d+'}\n",
        "purposes[0].reference.pattern",
        "missing ), unterminated subpattern",
        "regular expression",
    ),
    "bad recogniser regex": (
        MINIMAL + "detection:\n  custom_recognizers:\n    - name: emp\n      entity: EMPLOYEE_ID\n"
        "      patterns: [{name: p, regex: '[0-9', score: 0.5}]\n",
        "detection.custom_recognizers[0].patterns[0].regex",
        "unterminated character set",
        "regular expression",
    ),
    "duplicate purpose ids": (
        MINIMAL + PURPOSE + PURPOSE.replace("purposes:\n", ""),
        "purposes[1].id",
        "'churn-model' is used twice (first at purposes[0])",
        "unique",
    ),
    "special unmask without special_categories": (
        MINIMAL + PURPOSE + "    unmask: {categories: [special]}\n",
        "purposes[0].special_categories",
        "no `special_categories`",
        "art9_condition",
    ),
    "key source file without file": (
        MINIMAL + "key: {source: file}\n",
        "key.file",
        "no `file` is given",
        "add `file:",
    ),
    "missing required field": (
        "version: 1\ncontroller: {name: X}\n",
        "controller.contact",
        "required field `contact` is missing",
        "add `contact: ...` to controller",
    ),
    "wrong version": (MINIMAL.replace("version: 1", "version: 2"), "version", "not an allowed value", "1"),
    "special recogniser without art. 9 category": (
        MINIMAL + "detection:\n  custom_recognizers:\n    - name: pat\n      entity: PATIENT_ID\n"
        "      category: special\n      patterns: [{name: p, regex: 'PAT\\d+', score: 0.5}]\n",
        "detection.custom_recognizers[0].special_category",
        "needs `special_category`",
        "HEALTH",
    ),
    "unquoted yaml boolean": (
        MINIMAL + "detection: {languages: [en, no]}\n",
        "detection.languages[1]",
        "boolean",
        "quote",
    ),
    "threshold out of range": (
        MINIMAL + "detection: {min_coverage: 1.5}\n",
        "detection.min_coverage",
        "out of range",
        "<= 1",
    ),
    "bad masking category key": (
        MINIMAL + "masking: {categories: {quasy: {strategy: redact}}}\n",
        "masking.categories.quasy",
        "not an allowed key",
        "did you mean `quasi`",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_file_names_field_and_hint(case: str, write_policy: Callable[..., Path]) -> None:
    text, path, message, hint = BAD[case]
    problems = _problems(write_policy(text))
    matching = [p for p in problems if p.path == path]
    assert matching, f"no problem at {path}: {problems}"
    assert message in matching[0].message
    assert hint in matching[0].hint
    assert matching[0].line is not None


def test_problem_line_numbers_point_at_the_field(write_policy: Callable[..., Path]) -> None:
    text = MINIMAL + PURPOSE.replace("[legitimate_interest]", "[nope]")
    problem = _only(write_policy(text))
    lines = text.splitlines()
    assert problem.line is not None and "nope" in lines[problem.line - 1]


def test_all_problems_reported_at_once(write_policy: Callable[..., Path]) -> None:
    purpose = PURPOSE.replace("[legitimate_interest]", "[]")
    text = MINIMAL + "enforcement: strict\nlog: {stor: x}\n" + purpose
    paths = {p.path for p in _problems(write_policy(text))}
    assert {"enforcement", "log.stor", "purposes[0].lawful_bases"} <= paths


def test_empty_file(write_policy: Callable[..., Path]) -> None:
    assert "empty" in _only(write_policy("")).message
    assert "empty" in _only(write_policy("# just a comment\n\n")).message


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    problem = _only(path)
    assert "UTF-8" in problem.message
    path.write_bytes(b"version: 1\x00\x01\x02")
    assert "character YAML does not allow" in _only(path).message


def test_invalid_yaml_gives_line_and_column(write_policy: Callable[..., Path]) -> None:
    problem = _only(write_policy("version: 1\ncontroller:\n  name: [unclosed\n  contact: x\n"))
    assert "not valid YAML" in problem.message
    assert problem.line is not None and problem.line >= 3
    assert problem.column is not None
    assert "(line" in problem.format("f.yaml")


def test_tabs_get_a_specific_hint(write_policy: Callable[..., Path]) -> None:
    problem = _only(write_policy("version: 1\ncontroller:\n\tname: x\n"))
    assert problem.line == 3
    assert "tabs" in problem.hint


def test_duplicate_yaml_keys_rejected(write_policy: Callable[..., Path]) -> None:
    problem = _only(write_policy(MINIMAL + "enforcement: warn\nenforcement: enforce\n"))
    assert "duplicate key 'enforcement'" in problem.message


def test_top_level_not_a_mapping(write_policy: Callable[..., Path]) -> None:
    assert "must be a mapping" in _only(write_policy("- version: 1\n")).message
    assert "must be a mapping" in _only(write_policy("just text\n")).message


def test_missing_file_and_directory_are_unreadable(tmp_path: Path) -> None:
    for path in (tmp_path / "absent.yaml", tmp_path):
        with pytest.raises(PolicyError) as info:
            load_policy(path)
        assert info.value.unreadable
        assert str(path) in str(info.value)


def test_error_text_lists_every_problem_with_file_name(write_policy: Callable[..., Path]) -> None:
    path = write_policy(MINIMAL + "enforcement: strict\nfoo: 1\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    text = str(info.value)
    assert f"{path}: enforcement: " in text
    assert f"{path}: foo: unknown field" in text
    assert text.count("hint:") == 2


def test_key_section_values_are_never_echoed(write_policy: Callable[..., Path]) -> None:
    path = write_policy(MINIMAL + "key: {source: env, value: s3cr3t-key-material, env_var: 5}\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert "s3cr3t" not in str(info.value)


def test_sha256_is_of_the_exact_bytes(write_policy: Callable[..., Path]) -> None:
    path = write_policy(MINIMAL + "# a comment changes the hash\n")
    loaded = load_policy(path)
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.source == str(path)


def test_default_sha256_is_of_canonical_json() -> None:
    expected = hashlib.sha256(
        json.dumps(
            default_policy().model_dump(mode="json"),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    assert hashlib.sha256(canonical_json(default_policy())).hexdigest() == expected


# --- where the policy comes from ------------------------------------------------------------------


def test_default_used_and_reported_when_nothing_installed(config_dirs: dict[str, Path]) -> None:
    loaded = load_policy()
    assert loaded.is_default
    assert loaded.source == "built-in default"
    assert loaded.policy == default_policy()
    assert loaded.sha256 == hashlib.sha256(canonical_json(default_policy())).hexdigest()


def test_system_dir_policy_found(config_dirs: dict[str, Path]) -> None:
    path = config_dirs["system"] / "privacy_policy.yaml"
    path.write_text(MINIMAL)
    loaded = load_policy()
    assert not loaded.is_default
    assert loaded.source == str(path)
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_env_prefix_dir_policy_found(config_dirs: dict[str, Path]) -> None:
    path = config_dirs["env"] / "privacy_policy.yaml"
    path.write_text(MINIMAL)
    assert load_policy().source == str(path)


def test_system_dir_wins_over_env_prefix(config_dirs: dict[str, Path]) -> None:
    (config_dirs["system"] / "privacy_policy.yaml").write_text(MINIMAL + "enforcement: enforce\n")
    (config_dirs["env"] / "privacy_policy.yaml").write_text(MINIMAL + "enforcement: warn\n")
    assert load_policy().policy.enforcement == "enforce"


def test_env_var_wins(config_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (config_dirs["system"] / "privacy_policy.yaml").write_text(MINIMAL + "enforcement: warn\n")
    chosen = tmp_path / "admin.yaml"
    chosen.write_text(MINIMAL + "enforcement: enforce\n")
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(chosen))
    loaded = load_policy()
    assert loaded.source == str(chosen)
    assert loaded.policy.enforcement == "enforce"


def test_env_var_to_missing_file_fails_loudly(
    config_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (config_dirs["system"] / "privacy_policy.yaml").write_text(MINIMAL)
    monkeypatch.setenv("JUPYTER_PRIVACY_POLICY", str(tmp_path / "missing.yaml"))
    with pytest.raises(PolicyError) as info:
        load_policy()
    assert info.value.unreadable
    assert "JUPYTER_PRIVACY_POLICY" in str(info.value)


def test_invalid_admin_policy_never_falls_back(config_dirs: dict[str, Path]) -> None:
    (config_dirs["system"] / "privacy_policy.yaml").write_text("version: 1\n")
    (config_dirs["env"] / "privacy_policy.yaml").write_text(MINIMAL)
    with pytest.raises(PolicyError):
        load_policy()


def test_user_dir_ignored_without_opt_in(config_dirs: dict[str, Path]) -> None:
    (config_dirs["user"] / "privacy_policy.yaml").write_text(MINIMAL + "enforcement: enforce\n")
    assert load_policy().is_default


def test_user_dir_used_with_opt_in_only_when_no_admin_policy(
    config_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = config_dirs["user"] / "privacy_policy.yaml"
    user.write_text(MINIMAL + "enforcement: enforce\n")
    monkeypatch.setenv("JUPYTER_PRIVACY_ALLOW_USER_POLICY", "1")
    assert load_policy().source == str(user)
    admin = config_dirs["env"] / "privacy_policy.yaml"
    admin.write_text(MINIMAL)
    assert load_policy().source == str(admin)
