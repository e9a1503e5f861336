"""The compression policy: which transfer syntaxes, how frames are encoded, what lossy objects must say.

pydicom's encoders (pylibjpeg-rle, pyjpegls, pylibjpeg-openjpeg) turn one frame
into a codestream; everything around that is done here, one concern a module,
each depending only on those above it:

- :mod:`~dicomhelp.codecs.syntaxes`: the transfer syntaxes, their names and aliases;
- :mod:`~dicomhelp.codecs.policy`: how to compress (:class:`Compression`), the pixel
  format, what a syntax cannot hold, the report;
- :mod:`~dicomhelp.codecs.layout`: native (uncompressed) pixels: zero-copy views, writing
  them, byte order;
- :mod:`~dicomhelp.codecs.encode`: frames into codestreams on every core, started early
  from a header scan;
- :mod:`~dicomhelp.codecs.encapsulate`: encapsulated Pixel Data, offset tables, frames
  streamed into the file;
- :mod:`~dicomhelp.codecs.compress`: a dataset's Pixel Data from its frames;
- :mod:`~dicomhelp.codecs.lossy`: the attributes lossy objects must carry;
- :mod:`~dicomhelp.codecs.transcoding`: re-encoding objects and files.

Callers import from here (``from dicomhelp.codecs import Compression``).
"""

# Re-exported eagerly: the submodules import only the standard library and
# dicomhelp.errors when imported (numpy, pydicom and the codec libraries are
# imported inside the functions that use them; tests/test_layout.py checks it).
# So importing this package stays cheap, and `dicomhelp transcode` still forks
# its encoding helpers before pydicom is imported (codecs.encode.start_transcoding).
from dicomhelp.codecs.compress import compress_frames, compress_frames_later
from dicomhelp.codecs.encapsulate import (MAX_BOT_OFFSET, OffsetOverflow, PendingPixels, encapsulate_fragments,
                                          write_with_pixels)
from dicomhelp.codecs.encode import (StartedEncoding, encode_frames, frame_bound, frame_progress, rle_encode_frame,
                                     start_encoding, start_transcoding)
from dicomhelp.codecs.layout import NativeLayout, decode_frames, set_native_pixels
from dicomhelp.codecs.lossy import LOSSY_COMPRESSION_CODE, UNCOMPRESSED_PREDECESSOR_CODE, code_item, mark_lossy
from dicomhelp.codecs.policy import Compression, CompressionReport, PixelFormat, check_encodable, output_photometric
from dicomhelp.codecs.syntaxes import (ALIASES, BY_UID, EXPLICIT_VR_LITTLE_ENDIAN, JPEG_2000, JPEG_2000_LOSSLESS,
                                       JPEG_LS_LOSSLESS, JPEG_LS_NEAR_LOSSLESS, LOSSY_SOURCE_SYNTAXES, RLE_LOSSLESS,
                                       SYNTAXES, Syntax, syntax_by_name)
from dicomhelp.codecs.transcoding import TranscodeResult, transcode, transcode_file, transcode_into

__all__ = [
    "ALIASES", "BY_UID", "EXPLICIT_VR_LITTLE_ENDIAN", "JPEG_2000", "JPEG_2000_LOSSLESS", "JPEG_LS_LOSSLESS",
    "JPEG_LS_NEAR_LOSSLESS", "LOSSY_COMPRESSION_CODE", "LOSSY_SOURCE_SYNTAXES", "MAX_BOT_OFFSET", "RLE_LOSSLESS",
    "SYNTAXES", "UNCOMPRESSED_PREDECESSOR_CODE", "Compression", "CompressionReport", "NativeLayout",
    "OffsetOverflow", "PendingPixels", "PixelFormat", "StartedEncoding", "Syntax", "TranscodeResult",
    "check_encodable", "code_item", "compress_frames", "compress_frames_later", "decode_frames",
    "encapsulate_fragments", "encode_frames", "frame_bound", "frame_progress", "mark_lossy", "output_photometric",
    "rle_encode_frame", "set_native_pixels", "start_encoding", "start_transcoding", "syntax_by_name", "transcode",
    "transcode_file", "transcode_into", "write_with_pixels",
]
