"""Every CTest test carries exactly one tier label: unit, integration or slow.

`ctest -L unit` must be the quick tests and nothing else, and the three tiers together must be
the whole suite, so that CI's command (every test, or every test but the `extra` suite when no
data folder is there) and `-L unit` + `-L integration` + `-L slow` run the same tests. A test
with no tier would run only in the full suite; one with two would run twice and make `-L unit`
slow. This asks the build's CTest for its tests ($SFAR_BUILD_DIR, $SFAR_CTEST) and fails
naming each test that breaks the rule. Other labels (python, cuda, extra, gpu_pack) may come
beside the tier."""

import json
import os
import subprocess

TIERS = ("unit", "integration", "slow")


def registered_tests():
    """(name, labels) of every test the build registers, as `ctest --show-only=json-v1` lists them."""
    build = os.environ.get("SFAR_BUILD_DIR")
    ctest = os.environ.get("SFAR_CTEST", "ctest")
    assert build, "SFAR_BUILD_DIR is not set: run this test through ctest"
    listed = subprocess.run([ctest, "--show-only=json-v1"], cwd=build, capture_output=True, text=True, check=True)
    tests = []
    for test in json.loads(listed.stdout)["tests"]:
        labels = []
        for prop in test.get("properties", []):
            if prop["name"] == "LABELS":
                labels = prop["value"]
        tests.append((test["name"], labels))
    return tests


def tier_faults(tests):
    """One line for each test that has no tier or more than one."""
    faults = []
    for name, labels in tests:
        tiers = [label for label in labels if label in TIERS]
        if len(tiers) != 1:
            faults.append(f"{name}: labels {labels} ({'no tier' if not tiers else 'tiers ' + ', '.join(tiers)})")
    return faults


def test_every_test_has_exactly_one_tier():
    tests = registered_tests()
    assert len(tests) > 100, f"only {len(tests)} tests registered: is this the configured build?"
    faults = tier_faults(tests)
    assert not faults, "tests without exactly one of unit, integration, slow:\n" + "\n".join(faults)


def test_a_test_with_no_tier_or_two_is_named():
    tests = [("A.Quick", ["unit"]), ("B.Both", ["unit", "integration"]), ("C.None", ["python"]),
             ("D.Extra", ["integration", "extra"])]
    assert tier_faults(tests) == ["B.Both: labels ['unit', 'integration'] (tiers unit, integration)",
                                  "C.None: labels ['python'] (no tier)"]
