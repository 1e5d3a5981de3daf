"""Forms and API schemas list their fields; no mass assignment (SECURITY.md "Access").

No form or API schema outside the admin takes a model's fields wholesale (`fields = "__all__"`, or
`exclude`, which lets every new column in), so a column added later (a status, an institution, an integrity
tag) cannot be set from a request. The admin is for trusted staff and lists its own fields.
"""

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "skilleval"


def wholesale_fields(code: str) -> list[int]:
    """Line numbers of `fields = "__all__"` / `model_fields = "__all__"` / `exclude = …` inside a class Meta
    or Config (Django ModelForm, ninja ModelSchema)."""
    lines = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ClassDef) and node.name in {"Meta", "Config"}:
            for statement in node.body:
                if not isinstance(statement, ast.Assign):
                    continue
                names = {t.id for t in statement.targets if isinstance(t, ast.Name)}
                everything = isinstance(statement.value, ast.Constant) and statement.value.value == "__all__"
                if (names & {"fields", "model_fields"} and everything) or "exclude" in names:
                    lines.append(statement.lineno)
    return lines


def test_no_form_or_schema_outside_the_admin_takes_every_field():
    files = [p for p in SOURCE.rglob("*.py") if "migrations" not in p.parts and p.name != "admin.py"]
    assert len(files) > 100
    found = {
        str(p.relative_to(SOURCE)): lines
        for p in files
        if (lines := wholesale_fields(p.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_scan_sees_a_wholesale_form_and_schema():
    form = 'class F(forms.ModelForm):\n    class Meta:\n        model = X\n        fields = "__all__"\n'
    schema = "class S(ModelSchema):\n    class Meta:\n        model = X\n        exclude = ['tag']\n"
    listed = 'class F(forms.ModelForm):\n    class Meta:\n        model = X\n        fields = ["name"]\n'
    assert (
        wholesale_fields(form) == [4] and wholesale_fields(schema) == [4] and wholesale_fields(listed) == []
    )
