"""Just enough of the OLE2 compound file format (MS-CFB) to inspect an .xls before calamine parses it.

calamine's CFB reader trusts the file: it reserves buffers of the sizes the header and the directory
declare and follows sector chains until they end, so a chain that loops grows a buffer until the process
dies. This reader follows every chain calamine will follow (DIFAT, directory, mini stream, mini FAT, the
stream read), refusing loops, sectors outside the file and sizes larger than the file.
"""

import struct

from skilleval.core.spreadsheets.errors import refuse

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER = struct.Struct("<8s16sHHHHH6sIIIIIIIII")
_ENTRY = struct.Struct("<64sHBBIII16sIQQIQ")
_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_STREAM, _STORAGE, _ROOT = 2, 1, 5
_MINI_SECTOR = 64


class CompoundFile:
    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(SIGNATURE):
            raise refuse("corrupt")
        (
            _,
            _,
            _,
            major,
            byte_order,
            sector_shift,
            mini_shift,
            _,
            n_dir,
            n_fat,
            first_dir,
            _,
            self._cutoff,
        ) = _HEADER.unpack_from(data, 0)[:13]
        first_minifat, n_minifat, first_difat, n_difat = _HEADER.unpack_from(data, 0)[13:]
        if byte_order != 0xFFFE or (major, sector_shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
            raise refuse("corrupt")
        self._data = data
        self._size = 1 << sector_shift
        # Sector i starts at (i + 1) * size: the header fills sector "-1" (a v4 header is padded to 4096).
        self._sectors = (len(data) - 1) // self._size
        # calamine reserves these counts times the sector size before reading anything.
        if max(n_dir, n_fat, n_minifat, n_difat) > self._sectors:
            raise refuse("zip_size_mismatch")
        self._fat = self._read_fat(first_difat)
        self.entries = self._read_directory(self._chain_bytes(first_dir, None))
        if not self.entries or self.entries[0][1] != _ROOT:
            raise refuse("corrupt")
        root_start, root_size = self.entries[0][2], self.entries[0][3]
        self._mini_stream = self._chain_bytes(root_start, root_size)
        raw = self._chain_bytes(first_minifat, None)
        self._minifat = list(struct.unpack(f"<{len(raw) // 4}I", raw))

    def names(self) -> set[str]:
        return {name for name, _, _, _ in self.entries}

    def stream(self, name: str) -> bytes | None:
        """The named stream's bytes, or None when the file has no such stream."""
        for entry_name, kind, start, size in self.entries:
            if entry_name == name and kind == _STREAM:
                if size >= self._cutoff:
                    return self._chain_bytes(start, size)
                return self._mini_chain_bytes(start, size)
        return None

    def _sector(self, index: int) -> bytes:
        offset = (index + 1) * self._size
        return self._data[offset : offset + self._size]

    def _read_fat(self, first_difat: int) -> list[int]:
        """The FAT sectors are listed in the header (109) and then in a chain of DIFAT sectors."""
        listed = list(struct.unpack_from("<109I", self._data, 76))
        sector = first_difat
        for _ in range(self._sectors + 1):
            if sector in (_FREE, _END_OF_CHAIN):
                break
            if sector >= self._sectors:
                raise refuse("corrupt")
            values = struct.unpack(f"<{self._size // 4}I", self._sector(sector))
            listed.extend(values[:-1])
            sector = values[-1]
        else:
            raise refuse("corrupt")  # the DIFAT chain loops
        fat_sectors = [s for s in listed if s != _FREE]
        if any(s >= self._sectors for s in fat_sectors):
            raise refuse("corrupt")
        raw = b"".join(self._sector(s) for s in fat_sectors)
        return list(struct.unpack(f"<{len(raw) // 4}I", raw))

    def _chain(self, start: int, table: list[int], limit: int) -> list[int]:
        """Follow a sector chain; a loop or a pointer outside the table is refused, not followed forever."""
        chain: list[int] = []
        sector = start
        while sector != _END_OF_CHAIN:
            if sector >= len(table) or sector >= limit or len(chain) >= limit:
                raise refuse("corrupt")
            chain.append(sector)
            sector = table[sector]
        return chain

    def _chain_bytes(self, start: int, size: int | None) -> bytes:
        chain = self._chain(start, self._fat, self._sectors)
        if size is not None and size > len(chain) * self._size:
            raise refuse("zip_size_mismatch")
        raw = b"".join(self._sector(s) for s in chain)
        return raw if size is None else raw[:size]

    def _mini_chain_bytes(self, start: int, size: int) -> bytes:
        chain = self._chain(start, self._minifat, len(self._mini_stream) // _MINI_SECTOR)
        if size > len(chain) * _MINI_SECTOR:
            raise refuse("zip_size_mismatch")
        stream = self._mini_stream
        return b"".join(stream[s * _MINI_SECTOR : (s + 1) * _MINI_SECTOR] for s in chain)[:size]

    def _read_directory(self, raw: bytes) -> list[tuple[str, int, int, int]]:
        entries = []
        for offset in range(0, len(raw) - _ENTRY.size + 1, _ENTRY.size):
            name_raw, name_len, kind, *_, start, size = _ENTRY.unpack_from(raw, offset)
            if kind not in (_STREAM, _STORAGE, _ROOT):
                continue
            # Checked on all 64 bits: some readers take the high half even in version 3 files.
            if name_len > 64 or size > len(self._data):
                raise refuse("zip_size_mismatch")
            name = name_raw[: max(name_len - 2, 0)].decode("utf-16-le", errors="replace")
            entries.append((name, kind, start, size))
        return entries
