"""The registry of job kinds: kind name -> the handler a runner calls. One line per kind.

It sits at the top of core, above the domains whose handlers it names, so no domain imports another for it."""

from labelwise.core.assist import ocr, prelabel
from labelwise.core.assist.autolabel import KIND_AUTOLABEL, run_autolabel
from labelwise.core.assist.jobs import KIND_TRAIN, run_train
from labelwise.core.assist.train_backend import KIND_TRAIN_BACKEND, run_training
from labelwise.core.dataio.export_job import KIND_EXPORT, run_export
from labelwise.core.dataio.import_job import run_import
from labelwise.core.duplicates.scan_job import KIND_SCAN, run_scan
from labelwise.core.platform.job_runner import Handler
from labelwise.core.platform.jobs import KIND_IMPORT
from labelwise.core.review.label_errors import KIND_DETECT, run_detect
from labelwise.core.weak import label_model
from labelwise.core.weak.functions import KIND_APPLY, run_apply_job


def default_handlers() -> dict[str, Handler]:
    return {
        KIND_IMPORT: run_import,
        KIND_EXPORT: run_export,
        KIND_SCAN: run_scan,
        KIND_DETECT: run_detect,
        KIND_TRAIN: run_train,
        KIND_AUTOLABEL: run_autolabel,
        prelabel.KIND_PRELABEL: prelabel.run_prelabel,  # through an ML backend, or a built-in model version
        KIND_TRAIN_BACKEND: run_training,
        KIND_APPLY: run_apply_job,
        ocr.KIND_OCR: ocr.run_ocr,  # text of scanned pages and images as boxes with text per region
        label_model.KIND_RUN: label_model.run_job,  # fit the label model (and end model), store predictions
    }
