"""Reading any file safely, walking folders, writing atomically.

- :mod:`~dicomhelp.io.scan`: the structure scan (element headers only: truncation,
  bad lengths, deep nesting, where the pixel data lies);
- :mod:`~dicomhelp.io.read`: :func:`read_file`, lenient, pixel data located but not loaded;
- :mod:`~dicomhelp.io.walk`: folders walked in a stable order, pydicom's wheel files by name;
- :mod:`~dicomhelp.io.write`: atomic writes and the fsync policy;
- :mod:`~dicomhelp.io.outputs`: :class:`OutputFolder`, the naming rule of every command writing into a folder.

Callers import from here (``from dicomhelp.io import read_file``).
"""

# Re-exported eagerly: the submodules import only the standard library and
# dicomhelp.errors when imported (pydicom is imported inside the functions that
# use it; tests/test_layout.py checks it), so `dicomhelp dump` and the header scan
# of `dicomhelp transcode` load no more than before.
from dicomhelp.io.outputs import OutputFolder, Placed
from dicomhelp.io.read import DicomFile, decode_all, quiet_pydicom, read_file, read_header
from dicomhelp.io.scan import (ITEM_DELIM_TAG, ITEM_TAG, MAX_NESTING, PIXEL_TAGS, SEQ_DELIM_TAG, UNDEFINED_LENGTH,
                               PixelDataInfo, ScanResult, scan_file, scan_structure)
from dicomhelp.io.walk import iter_files, read_file_list, sample_file, testdata_dir
from dicomhelp.io.write import DIRECT_PIXEL_DATA_BYTES, write_atomic, write_bytes_atomic

__all__ = [
    "DIRECT_PIXEL_DATA_BYTES", "ITEM_DELIM_TAG", "ITEM_TAG", "MAX_NESTING", "PIXEL_TAGS", "SEQ_DELIM_TAG",
    "UNDEFINED_LENGTH", "DicomFile", "OutputFolder", "Placed", "PixelDataInfo", "ScanResult", "decode_all",
    "iter_files", "quiet_pydicom", "read_file", "read_file_list", "read_header", "sample_file", "scan_file",
    "scan_structure", "testdata_dir", "write_atomic", "write_bytes_atomic",
]
