"""De-identification of DICOM headers at import: the Basic Application Level Confidentiality Profile.

The attributes and actions are those of DICOM PS3.15 Annex E, table E.1-1 (basic profile, no
options retained): X removes the attribute, Z empties it, D puts a dummy value in, U replaces a UID
with a new one that is the same across one import (so a series still hangs together). Private tags,
curves and overlays' comments go too. Every change is listed in the report, by tag and keyword.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

# (group, element): action. Type 1/2 attributes that must stay present are emptied (Z) or given a
# dummy (D); the rest are removed (X). UIDs (U) are replaced consistently.
_ACTIONS: dict[tuple[int, int], str] = {
    (0x0008, 0x0014): "U",  # Instance Creator UID
    (0x0008, 0x0018): "U",  # SOP Instance UID
    (0x0008, 0x0020): "Z",  # Study Date
    (0x0008, 0x0021): "X",  # Series Date
    (0x0008, 0x0022): "X",  # Acquisition Date
    (0x0008, 0x0023): "Z",  # Content Date
    (0x0008, 0x0024): "X",  # Overlay Date
    (0x0008, 0x0025): "X",  # Curve Date
    (0x0008, 0x002A): "X",  # Acquisition DateTime
    (0x0008, 0x0030): "Z",  # Study Time
    (0x0008, 0x0031): "X",  # Series Time
    (0x0008, 0x0032): "X",  # Acquisition Time
    (0x0008, 0x0033): "Z",  # Content Time
    (0x0008, 0x0050): "Z",  # Accession Number
    (0x0008, 0x0080): "X",  # Institution Name
    (0x0008, 0x0081): "X",  # Institution Address
    (0x0008, 0x0090): "Z",  # Referring Physician's Name
    (0x0008, 0x0092): "X",  # Referring Physician's Address
    (0x0008, 0x0094): "X",  # Referring Physician's Telephone Numbers
    (0x0008, 0x0096): "X",  # Referring Physician Identification Sequence
    (0x0008, 0x010D): "X",  # Context Group Extension Creator UID
    (0x0008, 0x1010): "X",  # Station Name
    (0x0008, 0x1030): "X",  # Study Description
    (0x0008, 0x103E): "X",  # Series Description
    (0x0008, 0x1040): "X",  # Institutional Department Name
    (0x0008, 0x1048): "X",  # Physician(s) of Record
    (0x0008, 0x1049): "X",  # Physician(s) of Record Identification Sequence
    (0x0008, 0x1050): "X",  # Performing Physicians' Name
    (0x0008, 0x1052): "X",  # Performing Physician Identification Sequence
    (0x0008, 0x1060): "X",  # Name of Physician(s) Reading Study
    (0x0008, 0x1062): "X",  # Physician(s) Reading Study Identification Sequence
    (0x0008, 0x1070): "X",  # Operators' Name
    (0x0008, 0x1072): "X",  # Operators' Identification Sequence
    (0x0008, 0x1080): "X",  # Admitting Diagnoses Description
    (0x0008, 0x1084): "X",  # Admitting Diagnoses Code Sequence
    (0x0008, 0x1110): "X",  # Referenced Study Sequence
    (0x0008, 0x1111): "X",  # Referenced Performed Procedure Step Sequence
    (0x0008, 0x1120): "X",  # Referenced Patient Sequence
    (0x0008, 0x1140): "X",  # Referenced Image Sequence
    (0x0008, 0x1155): "U",  # Referenced SOP Instance UID
    (0x0008, 0x2111): "X",  # Derivation Description
    (0x0008, 0x9123): "U",  # Creator Version UID
    (0x0010, 0x0010): "Z",  # Patient's Name
    (0x0010, 0x0020): "Z",  # Patient ID
    (0x0010, 0x0021): "X",  # Issuer of Patient ID
    (0x0010, 0x0030): "Z",  # Patient's Birth Date
    (0x0010, 0x0032): "X",  # Patient's Birth Time
    (0x0010, 0x0040): "Z",  # Patient's Sex
    (0x0010, 0x0050): "X",  # Patient's Insurance Plan Code Sequence
    (0x0010, 0x1000): "X",  # Other Patient IDs
    (0x0010, 0x1001): "X",  # Other Patient Names
    (0x0010, 0x1002): "X",  # Other Patient IDs Sequence
    (0x0010, 0x1005): "X",  # Patient's Birth Name
    (0x0010, 0x1010): "X",  # Patient's Age
    (0x0010, 0x1020): "X",  # Patient's Size
    (0x0010, 0x1030): "X",  # Patient's Weight
    (0x0010, 0x1040): "X",  # Patient's Address
    (0x0010, 0x1060): "X",  # Patient's Mother's Birth Name
    (0x0010, 0x1080): "X",  # Military Rank
    (0x0010, 0x1081): "X",  # Branch of Service
    (0x0010, 0x1090): "X",  # Medical Record Locator
    (0x0010, 0x2000): "X",  # Medical Alerts
    (0x0010, 0x2110): "X",  # Allergies
    (0x0010, 0x2150): "X",  # Country of Residence
    (0x0010, 0x2152): "X",  # Region of Residence
    (0x0010, 0x2154): "X",  # Patient's Telephone Numbers
    (0x0010, 0x2160): "X",  # Ethnic Group
    (0x0010, 0x2180): "X",  # Occupation
    (0x0010, 0x21A0): "X",  # Smoking Status
    (0x0010, 0x21B0): "X",  # Additional Patient History
    (0x0010, 0x21C0): "X",  # Pregnancy Status
    (0x0010, 0x21D0): "X",  # Last Menstrual Date
    (0x0010, 0x21F0): "X",  # Patient's Religious Preference
    (0x0010, 0x4000): "X",  # Patient Comments
    (0x0018, 0x1000): "X",  # Device Serial Number
    (0x0018, 0x1030): "X",  # Protocol Name
    (0x0018, 0x700A): "X",  # Detector ID
    (0x0020, 0x000D): "U",  # Study Instance UID
    (0x0020, 0x000E): "U",  # Series Instance UID
    (0x0020, 0x0010): "Z",  # Study ID
    (0x0020, 0x0052): "U",  # Frame of Reference UID
    (0x0020, 0x0200): "U",  # Synchronization Frame of Reference UID
    (0x0020, 0x4000): "X",  # Image Comments
    (0x0020, 0x9161): "U",  # Concatenation UID
    (0x0020, 0x9164): "U",  # Dimension Organization UID
    (0x0032, 0x1032): "X",  # Requesting Physician
    (0x0032, 0x1060): "X",  # Requested Procedure Description
    (0x0032, 0x4000): "X",  # Study Comments
    (0x0038, 0x0010): "X",  # Admission ID
    (0x0038, 0x0300): "X",  # Current Patient Location
    (0x0038, 0x0400): "X",  # Patient's Institution Residence
    (0x0038, 0x0500): "X",  # Patient State
    (0x0040, 0x0241): "X",  # Performed Station AE Title
    (0x0040, 0x0242): "X",  # Performed Station Name
    (0x0040, 0x0243): "X",  # Performed Location
    (0x0040, 0x0244): "X",  # Performed Procedure Step Start Date
    (0x0040, 0x0245): "X",  # Performed Procedure Step Start Time
    (0x0040, 0x0253): "X",  # Performed Procedure Step ID
    (0x0040, 0x0254): "X",  # Performed Procedure Step Description
    (0x0040, 0x0275): "X",  # Request Attributes Sequence
    (0x0040, 0x1001): "X",  # Requested Procedure ID
    (0x0040, 0x2016): "X",  # Placer Order Number / Imaging Service Request
    (0x0040, 0x2017): "X",  # Filler Order Number / Imaging Service Request
    (0x0040, 0xA124): "U",  # UID
    (0x0040, 0xA730): "X",  # Content Sequence
    (0x0088, 0x0140): "U",  # Storage Media File-set UID
    (0x3006, 0x0024): "U",  # Referenced Frame of Reference UID
    (0x3006, 0x00C2): "U",  # Related Frame of Reference UID
    (0x4008, 0x0114): "X",  # Physician Approving Interpretation
    (0xFFFA, 0xFFFA): "X",  # Digital Signatures Sequence
}
PROFILE = "DICOM PS3.15 E.1 Basic Application Level Confidentiality Profile"
_DUMMY_DATE = "19000101"


@dataclass
class Deidentifier:
    """Applies the profile to the datasets of one import; UIDs map to new ones consistently across them."""

    uids: dict[str, str] = field(default_factory=dict)
    actions: dict[str, dict] = field(default_factory=dict)  # keyword -> {"tag", "action", "count"}
    private_removed: int = 0

    def apply(self, dataset) -> None:
        """Change `dataset` in place (its file meta's SOP Instance UID follows the new one)."""
        from pydicom.tag import Tag

        before = len([element for element in dataset.iterall() if element.tag.is_private])
        dataset.remove_private_tags()
        self.private_removed += before
        for element in list(dataset.iterall()):
            action = _ACTIONS.get((element.tag.group, element.tag.element))
            if action is None and element.tag.group in (0x5000, 0x6000) and element.tag.element == 0x4000:
                action = "X"  # curve and overlay comments (repeating groups)
            if action is None or element.value in (None, "", []):
                continue
            self._note(element, action)
            if action == "U":
                element.value = self._uid(element.value)
            elif action == "Z":
                element.value = "" if element.VR != "SQ" else []
            elif action == "D":
                element.value = _DUMMY_DATE if element.VR == "DA" else "ANONYMOUS"
        for tag in [Tag(group, element) for (group, element), action in _ACTIONS.items() if action == "X"]:
            _delete_everywhere(dataset, tag)
        if getattr(dataset, "file_meta", None) is not None and "SOPInstanceUID" in dataset:
            dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        dataset.PatientIdentityRemoved = "YES"
        dataset.DeidentificationMethod = PROFILE

    def report(self) -> dict:
        """What was changed: the profile, attributes by keyword with their action and count, private tags."""
        return {"profile": PROFILE, "attributes": sorted(self.actions.values(), key=lambda item: item["tag"]),
                "private_tags_removed": self.private_removed}

    def _note(self, element, action: str) -> None:
        keyword = element.keyword or str(element.tag)
        entry = self.actions.setdefault(keyword, {
            "tag": f"({element.tag.group:04X},{element.tag.element:04X})", "keyword": keyword,
            "action": {"X": "removed", "Z": "emptied", "D": "dummy", "U": "new UID"}[action], "count": 0})
        entry["count"] += 1

    def _uid(self, value):
        if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
            return [self._uid(item) for item in value]
        value = str(value)
        if value not in self.uids:
            self.uids[value] = f"2.25.{uuid.uuid4().int}"
        return self.uids[value]


def _delete_everywhere(dataset, tag) -> None:
    if tag in dataset:
        del dataset[tag]
    for element in list(dataset.values()):
        if getattr(element, "VR", None) == "SQ" and element.value:
            for item in element.value:
                _delete_everywhere(item, tag)
