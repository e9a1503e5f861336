"""The base builder: what every object dicomhelp creates has in common.

Patient, General Study (+ Patient Study, Clinical Trial modules when the source
has them), General Series, General Equipment, SOP Common (Specific Character
Set, Instance Creation Date/Time, Timezone Offset), Content Date/Time and the
file meta, with UIDs from the UID policy.

Two ways in:

>>> study = Study.new(patient_name="Doe^Jane", patient_id="P1")        # from scratch
>>> study = Study.from_source(read_file("ct/1.dcm").dataset)          # derived
>>> builder = Builder(study)
>>> series = builder.series("sc", modality="OT", number=901, description="AI results")
>>> ds = builder.new_dataset(SecondaryCaptureImageStorage, series, instance_number=1)

Objects built by highdicom (SR, GSPS) pass ``builder.highdicom_kwargs(...)`` to
its constructors and then go through :meth:`Builder.finish`, so every creator
ends with the same common modules.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dicomhelp import __version__
from dicomhelp.errors import InputError
from dicomhelp.uids import UIDPolicy

if TYPE_CHECKING:
    from pydicom import Dataset

# Top-level attributes of the modules a derived object copies from its source
# (PS3.3 C.7.1.1 Patient, C.7.1.3 Clinical Trial Subject, C.7.2.1 General Study,
# C.7.2.2 Patient Study, C.7.2.3 Clinical Trial Study). Checked against
# highdicom's tables of the standard by tests/create/test_base.py.
PATIENT_MODULE = (
    "ReferencedPatientSequence", "PatientName", "PatientID", "IssuerOfPatientID", "TypeOfPatientID",
    "IssuerOfPatientIDQualifiersSequence", "SourcePatientGroupIdentificationSequence",
    "GroupOfPatientsIdentificationSequence", "PatientBirthDate", "PatientBirthTime",
    "PatientBirthDateInAlternativeCalendar", "PatientDeathDateInAlternativeCalendar",
    "PatientAlternativeCalendar", "PatientSex", "QualityControlSubject", "StrainDescription",
    "StrainNomenclature", "StrainStockSequence", "StrainAdditionalInformation", "StrainCodeSequence",
    "GeneticModificationsSequence", "OtherPatientNames", "OtherPatientIDsSequence",
    "ReferencedPatientPhotoSequence", "EthnicGroupCodeSequence", "PatientSpeciesDescription",
    "PatientSpeciesCodeSequence", "PatientBreedDescription", "PatientBreedCodeSequence",
    "BreedRegistrationSequence", "ResponsiblePerson", "ResponsiblePersonRole", "ResponsibleOrganization",
    "PatientComments", "PatientIdentityRemoved", "DeidentificationMethod", "DeidentificationMethodCodeSequence",
)
CLINICAL_TRIAL_SUBJECT_MODULE = (
    "ClinicalTrialSponsorName", "ClinicalTrialProtocolID", "ClinicalTrialProtocolName",
    "IssuerOfClinicalTrialProtocolID", "OtherClinicalTrialProtocolIDsSequence", "ClinicalTrialSiteID",
    "ClinicalTrialSiteName", "IssuerOfClinicalTrialSiteID", "ClinicalTrialSubjectID",
    "IssuerOfClinicalTrialSubjectID", "ClinicalTrialSubjectReadingID", "IssuerOfClinicalTrialSubjectReadingID",
    "ClinicalTrialProtocolEthicsCommitteeName", "ClinicalTrialProtocolEthicsCommitteeApprovalNumber",
)
GENERAL_STUDY_MODULE = (
    "StudyDate", "StudyTime", "AccessionNumber", "IssuerOfAccessionNumberSequence", "ReferringPhysicianName",
    "ReferringPhysicianIdentificationSequence", "ConsultingPhysicianName",
    "ConsultingPhysicianIdentificationSequence", "StudyDescription", "ProcedureCodeSequence",
    "PhysiciansOfRecord", "PhysiciansOfRecordIdentificationSequence", "NameOfPhysiciansReadingStudy",
    "PhysiciansReadingStudyIdentificationSequence", "ReferencedStudySequence", "StudyInstanceUID", "StudyID",
    "RequestingService", "RequestingServiceCodeSequence", "ReasonForPerformedProcedureCodeSequence",
)
PATIENT_STUDY_MODULE = (
    "AdmittingDiagnosesDescription", "AdmittingDiagnosesCodeSequence", "PatientAge", "PatientSize",
    "PatientSizeCodeSequence", "PatientBodyMassIndex", "MeasuredAPDimension", "MeasuredLateralDimension",
    "PatientWeight", "MedicalAlerts", "Allergies", "Occupation", "SmokingStatus", "AdditionalPatientHistory",
    "PregnancyStatus", "LastMenstrualDate", "PatientSexNeutered", "ReasonForVisit",
    "ReasonForVisitCodeSequence", "AdmissionID", "IssuerOfAdmissionIDSequence", "ServiceEpisodeID",
    "ServiceEpisodeDescription", "IssuerOfServiceEpisodeIDSequence", "PatientState",
)
CLINICAL_TRIAL_STUDY_MODULE = (
    "ClinicalTrialTimePointID", "ClinicalTrialTimePointDescription", "LongitudinalTemporalOffsetFromEvent",
    "LongitudinalTemporalEventType", "ClinicalTrialTimePointTypeCodeSequence",
    "IssuerOfClinicalTrialTimePointID", "ConsentForClinicalTrialUseSequence",
)
COPIED_FROM_SOURCE = (
    PATIENT_MODULE + CLINICAL_TRIAL_SUBJECT_MODULE + GENERAL_STUDY_MODULE
    + PATIENT_STUDY_MODULE + CLINICAL_TRIAL_STUDY_MODULE
)
# Type 2 attributes of the Patient and General Study modules: present, empty if unknown.
TYPE2_PATIENT_STUDY = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex",
    "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID", "AccessionNumber",
)
# Kept from the source so the new objects answer the same order (Request Attributes, PS3.3 C.4.22).
REQUEST_ATTRIBUTES = ("RequestAttributesSequence", "ReferencedRequestSequence")
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
UTF8 = "ISO_IR 192"


@dataclass(frozen=True)
class Equipment:
    """The product writing the object (General Equipment, PS3.3 C.7.5.1)."""

    manufacturer: str = "dicomhelp"
    model_name: str = "dicomhelp"
    software_versions: str = __version__
    device_serial_number: str | None = None
    institution_name: str | None = None
    station_name: str | None = None

    def apply(self, ds: Dataset) -> None:
        ds.Manufacturer = self.manufacturer
        ds.ManufacturerModelName = self.model_name
        ds.SoftwareVersions = self.software_versions
        for keyword, value in (("DeviceSerialNumber", self.device_serial_number),
                               ("InstitutionName", self.institution_name),
                               ("StationName", self.station_name)):
            if value:
                setattr(ds, keyword, value)


@dataclass
class Study:
    """The patient and study a new object belongs to, and the source it came from."""

    attributes: Dataset
    source: list[Dataset] = field(default_factory=list)

    @property
    def study_instance_uid(self) -> str:
        return str(self.attributes.StudyInstanceUID)

    @classmethod
    def from_source(cls, *datasets: Dataset) -> Study:
        """Copy the Patient and Study modules of the first source dataset.

        All source datasets must belong to one study: derived objects must not
        mix patients (a PACS would file them under the wrong one).
        """
        from pydicom import Dataset as _Dataset

        if not datasets:
            raise InputError("no source dataset given")
        first = datasets[0]
        if "StudyInstanceUID" not in first:
            raise InputError("the source has no Study Instance UID: it is not part of a study")
        for other in datasets[1:]:
            if other.get("StudyInstanceUID") != first.StudyInstanceUID:
                raise InputError(
                    "the source files belong to different studies",
                    hint="give the files of one study",
                )
        attrs = _Dataset()
        for keyword in COPIED_FROM_SOURCE + REQUEST_ATTRIBUTES:
            if keyword in first:
                elem = first[keyword]
                attrs.add(_copy_element(elem))
        for keyword in TYPE2_PATIENT_STUDY:
            if keyword not in attrs:
                setattr(attrs, keyword, None)
        if "SpecificCharacterSet" in first:
            attrs.SpecificCharacterSet = first.SpecificCharacterSet
        return cls(attributes=attrs, source=list(datasets))

    @classmethod
    def new(
        cls,
        *,
        patient_name: str = "Sample^Patient",
        patient_id: str = "DH000001",
        patient_birth_date: str = "",
        patient_sex: str = "",
        study_description: str = "",
        accession_number: str = "",
        study_id: str = "1",
        referring_physician_name: str = "",
        study_date: str | None = None,
        study_time: str | None = None,
        study_instance_uid: str | None = None,
        uid_policy: UIDPolicy | None = None,
    ) -> Study:
        """A new patient and study; every default passes validation and can be overridden."""
        from pydicom import Dataset as _Dataset

        now = _dt.datetime.now()
        policy = uid_policy or UIDPolicy.from_env()
        attrs = _Dataset()
        attrs.PatientName = patient_name
        attrs.PatientID = patient_id
        attrs.PatientBirthDate = patient_birth_date
        attrs.PatientSex = patient_sex
        attrs.StudyInstanceUID = study_instance_uid or policy.new("study", patient_id, accession_number, study_id)
        attrs.StudyDate = study_date if study_date is not None else now.strftime("%Y%m%d")
        attrs.StudyTime = study_time if study_time is not None else now.strftime("%H%M%S")
        attrs.ReferringPhysicianName = referring_physician_name
        attrs.StudyID = study_id
        attrs.AccessionNumber = accession_number
        if study_description:
            attrs.StudyDescription = study_description
        return cls(attributes=attrs)


def _copy_element(elem: Any) -> Any:
    import copy

    return copy.deepcopy(elem)


@dataclass(frozen=True)
class Series:
    """A new series in the study: one per kind of object created."""

    uid: str
    modality: str
    number: int
    description: str
    kind: str


@dataclass
class Builder:
    """Makes the common modules of every created object, consistently.

    UIDs come from ``uid_policy`` with inputs that identify each object (the
    study, the kind of series, the instance number), so a deterministic policy
    gives a re-run the same UIDs.
    """

    study: Study
    equipment: Equipment = field(default_factory=Equipment)
    uid_policy: UIDPolicy = field(default_factory=UIDPolicy.from_env)
    now: _dt.datetime = field(default_factory=lambda: _dt.datetime.now().astimezone())

    def series(self, kind: str, *, modality: str, number: int, description: str) -> Series:
        uid = self.uid_policy.new("series", self.study.study_instance_uid, kind)
        return Series(uid=uid, modality=modality, number=number, description=description, kind=kind)

    def instance_uid(self, series: Series, instance_number: int, *extra: object) -> str:
        return self.uid_policy.new("instance", series.uid, instance_number, *extra)

    def new_uid(self, *inputs: object) -> str:
        """Any other UID (frame of reference, tracking, device observer), from the same policy."""
        return self.uid_policy.new(self.study.study_instance_uid, *inputs)

    @property
    def content_date(self) -> str:
        return self.now.strftime("%Y%m%d")

    @property
    def content_time(self) -> str:
        return self.now.strftime("%H%M%S")

    @property
    def timezone_offset(self) -> str:
        return self.now.strftime("%z") or "+0000"

    def new_dataset(self, sop_class_uid: str, series: Series, *, instance_number: int = 1) -> Dataset:
        """An empty object of ``sop_class_uid`` with every common module filled."""
        from pydicom import Dataset as _Dataset

        ds = _Dataset()
        ds.SOPClassUID = sop_class_uid
        ds.SOPInstanceUID = self.instance_uid(series, instance_number)
        ds.SeriesInstanceUID = series.uid
        ds.Modality = series.modality
        ds.SeriesNumber = series.number
        if series.description:
            ds.SeriesDescription = series.description
        ds.InstanceNumber = instance_number
        self.finish(ds)
        return ds

    def highdicom_kwargs(self, series: Series, *, instance_number: int = 1) -> dict[str, Any]:
        """Arguments for highdicom constructors (SR, presentation states, SC)."""
        return {
            "series_instance_uid": series.uid,
            "series_number": series.number,
            "sop_instance_uid": self.instance_uid(series, instance_number),
            "instance_number": instance_number,
            "manufacturer": self.equipment.manufacturer,
        }

    def restamp(self, ds: Dataset) -> Dataset:
        """Put the builder's clock where highdicom stamps its own (Content Date/Time, Contribution DateTime).

        Every object of a run (and of a seeded re-run, given the same clock) then says the same time.
        """
        ds.ContentDate, ds.ContentTime = self.content_date, self.content_time
        for item in ds.get("ContributingEquipmentSequence", []):
            if "ContributionDateTime" in item:
                item.ContributionDateTime = self.now.strftime("%Y%m%d%H%M%S") + self.timezone_offset
        return ds

    def finish(self, ds: Dataset) -> Dataset:
        """Apply Patient/Study, Equipment, SOP Common, Content Date/Time and file meta.

        Idempotent; called last by every creator, including on datasets that
        highdicom built, so all objects of a result set agree.
        """
        from pydicom.dataset import FileMetaDataset

        for elem in self.study.attributes:
            if elem.keyword != "SpecificCharacterSet":
                ds[elem.tag] = _copy_element(elem)
        self.equipment.apply(ds)
        # Values are decoded str in memory; UTF-8 encodes any of them (source
        # values in other repertoires included), so one character set fits all.
        ds.SpecificCharacterSet = UTF8
        ds.InstanceCreationDate = self.content_date
        ds.InstanceCreationTime = self.content_time
        ds.TimezoneOffsetFromUTC = self.timezone_offset
        if "ContentDate" not in ds or not ds.ContentDate:
            ds.ContentDate = self.content_date
        if "ContentTime" not in ds or not ds.ContentTime:
            ds.ContentTime = self.content_time
        meta = ds.file_meta if getattr(ds, "file_meta", None) is not None else FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        if "TransferSyntaxUID" not in meta:
            meta.TransferSyntaxUID = EXPLICIT_VR_LITTLE_ENDIAN
        meta.ImplementationVersionName = f"DICOMHELP_{__version__}"[:16]
        ds.file_meta = meta
        return ds
