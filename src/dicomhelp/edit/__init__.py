"""Modifying and de-identifying: the edit model, ``edit``, ``diff`` and ``anonymize``.

- :mod:`dicomhelp.edit.model`: :class:`~dicomhelp.edit.model.Edit` (selector + action) and
  :func:`~dicomhelp.edit.model.apply_edits`;
- :mod:`dicomhelp.edit.values`: values parsed for the VR and checked against VR and VM;
- :mod:`dicomhelp.edit.files`: editing files without losing anything;
- :mod:`dicomhelp.edit.diff`: element-level differences;
- :mod:`dicomhelp.edit.anonymize`: PS3.15 Annex E, applying the table in :mod:`dicomhelp.standard.ps315`.
"""
