"""Findings at the terminal: one verdict line per file, the findings in order, a 合計 line.

Findings come by severity, then sheet in workbook order, then cell. On a wide terminal they are
a table (嚴重度, 規則, 位置, 說明); on a narrow one each takes a heading line (severity, rule,
cell) and its message below, wrapped to the full width. Nothing is ever cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from clusterbook.cli.common import SEVERITY_STYLE, e
from clusterbook.cli.wrap import cells, width, wrap

MIN_MESSAGE = 50
"""Narrower than this, the message column would be too narrow: the two-line layout is used."""
VERDICT_STYLE = {"符合": "green", "不符合": "red", "無法讀取": "red"}


def counts_text(findings: Iterable) -> str:
    from clusterbook.findings import SEVERITY_LABELS, count_by_severity

    return "、".join(
        f"{SEVERITY_LABELS[k]} {v}" for k, v in count_by_severity(list(findings)).items()
    )


def verdict_text(verdict: str) -> str:
    style = VERDICT_STYLE.get(verdict, "bold")
    return f"[{style}]{verdict}[/{style}]"


def message_text(f) -> str:
    """The message without what the line already says (file, sheet and cell)."""
    text = f.message.removeprefix(f"「{f.sheet}」工作表 {f.cell}：")
    return text.removeprefix(f"{f.file}：") if f.file else text


def where(f) -> str:
    return f"{f.sheet}!{f.cell}" if f.cell else f.sheet


def finding_lines(findings: Sequence, total: int) -> list[str]:
    """Rich markup lines for findings already ordered and filtered."""
    from clusterbook.findings import SEVERITY_LABELS

    if not findings:
        return []
    rule_w = max(cells(f.rule) for f in findings)
    where_w = max(cells(where(f)) for f in findings)
    left = 2 + 4 + 2 + rule_w + 2 + where_w + 2
    lines: list[str] = []
    for f in findings:
        style = SEVERITY_STYLE.get(f.severity, "bold")
        label = f"[{style}]{SEVERITY_LABELS.get(f.severity, f.severity)}[/{style}]"
        if total - left >= MIN_MESSAGE:
            head = f"  {label}  {f.rule.ljust(rule_w)}  {e(_pad(where(f), where_w))}  "
            body = wrap(message_text(f), total - left)
            lines.append(head + e(body[0]))
            lines += [" " * left + e(line) for line in body[1:]]
        else:
            lines.append(f"  {label} {f.rule}  {e(where(f))}".rstrip())
            lines += ["      " + e(line) for line in wrap(message_text(f), total - 6)]
    return lines


def _pad(text: str, size: int) -> str:
    return text + " " * (size - cells(text))


def print_findings(out, source: str, verdict: str, findings: Sequence, shown: Sequence) -> None:
    """One file: its verdict line (all findings counted), then the findings ``shown``."""
    tail = f"（{counts_text(findings)}）"
    if cells(f"{source}  {verdict}{tail}") <= width(160):
        out.print(f"[bold]{e(source)}[/bold]  {verdict_text(verdict)}{tail}")
    else:  # a long path: the verdict goes under it
        out.print(f"[bold]{e(source)}[/bold]")
        out.print(f"  {verdict_text(verdict)}{tail}")
    for line in finding_lines(shown, width(160)):
        out.print(line)


def print_item(out, indent: int, label: str, style: str, text: str) -> None:
    """``label`` (in ``style``) and ``text`` wrapped to the terminal, continuation lines indented."""
    lines = wrap(f"{label} {text}".strip(), width() - indent - 2)
    first = lines[0]
    if label and first.startswith(label):
        first = f"[{style}]{e(label)}[/{style}]{e(first[len(label) :])}"
    else:
        first = e(first)
    out.print(" " * indent + first)
    for line in lines[1:]:
        out.print(" " * (indent + 2) + e(line))


def print_total(out, verdicts: Sequence[str], findings: Iterable) -> None:
    """合計：N 個檔案，符合 a、不符合 b、無法讀取 c；錯誤 x、警告 y、資訊 z."""
    from clusterbook.findings import ELIGIBLE, NOT_ELIGIBLE, UNREADABLE

    tally = "、".join(f"{v} {verdicts.count(v)}" for v in (ELIGIBLE, NOT_ELIGIBLE, UNREADABLE))
    text = f"合計：{len(verdicts)} 個檔案，{tally}；{counts_text(findings)}"
    for line in wrap(text, width()):
        out.print(f"[bold]{e(line)}[/bold]")
