"""Figures of one benchmark run, printed as a table."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Report:
    sections: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, title: str, figures: list[tuple[str, str]]) -> None:
        self.sections.append((title, figures))
        print(f"\n[{title}]", flush=True)
        for label, value in figures:
            print(f"  {label:<58} {value}", flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def print(self) -> None:
        print("\nSummary")
        for title, figures in self.sections:
            print(f"  {title}")
            for label, value in figures:
                print(f"    {label:<56} {value}")
        for text in self.notes:
            print(f"  note: {text}")
