"""What one part is: a slice of a planned file that goes to Salesforce as one job."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sfloader_gui.core.csvio.cutter import PartSpan
from sfloader_gui.core.csvio.dialect import CsvDialect
from sfloader_gui.core.csvio.parts import iter_part, part_size
from sfloader_gui.core.load.plan import FilePlan, LoadPlan
from sfloader_gui.core.models import PartRef


@dataclass(frozen=True)
class PartPlan:
    """One part of one planned file: what ``run_part`` sends as one job."""

    file: FilePlan
    span: PartSpan
    file_index: int  # 1-based position of the file in the load (names the job folder)

    @property
    def dialect(self) -> CsvDialect:
        assert self.file.dialect is not None, "only planned, unblocked files have parts"
        return self.file.dialect

    @property
    def ref(self) -> PartRef:
        return PartRef(self.file.path, self.span.index, len(self.file.parts))

    @property
    def records(self) -> int:
        return self.span.records

    @property
    def first_record(self) -> int:
        return self.span.first_record

    @property
    def size(self) -> int:
        """Raw bytes of the upload: the header line plus the part's records (at most, when converted)."""
        if self.file.transform is not None:
            return self.file.transform.part_size(self.span)
        return part_size(self.dialect, self.span)

    def chunks(self) -> Iterator[bytes]:
        if self.file.transform is not None:  # mapped, converted, another encoding or a workbook
            return self.file.transform.iter_part(self.span)
        return iter_part(self.file.path, self.dialect, self.span)


def part_plans(plan: LoadPlan) -> list[PartPlan]:
    """Every part of every file that may be sent (blocked files have none), in file order."""
    return [
        PartPlan(fp, span, index)
        for index, fp in enumerate(plan.files, start=1)
        if not fp.blocked and fp.dialect is not None
        for span in fp.parts
    ]
