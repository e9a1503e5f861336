"""dicomhelp: understand, check, modify and create standard-conforming DICOM objects.

The command line (``dicomhelp``) is a thin layer over this package. Import the
concern you need, e.g. ``from dicomhelp.io import read_file``; this module stays
import-light so ``dicomhelp --help`` starts without loading pydicom.
"""

__version__ = "0.1.0"
