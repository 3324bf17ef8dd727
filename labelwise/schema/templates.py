"""Ready-made label schemas for the UI's "new project" templates.

Each entry of `TEMPLATES` has a `title`, a `description`, the `schema` (a dict `parse_schema`
accepts), and an `example` task `data` with a `result` that `validate_result` accepts.
"""

__all__ = ["TEMPLATES"]

TEMPLATES: dict[str, dict] = {
    "text_classification": {
        "title": "Text classification",
        "description": "Pick one label per text, with keys 1-9 (sentiment, intent, topic).",
        "schema": {
            "objects": {"text": {"type": "text"}},
            "controls": {
                "label": {
                    "type": "choices",
                    "object": "text",
                    "options": ["positive", "negative", "neutral"],
                    "required": True,
                },
            },
        },
        "example": {"data": {"text": "The battery lasts all day."}, "result": {"label": "positive"}},
    },
    "multi_label": {
        "title": "Multi-label text classification",
        "description": "Tick every label that applies to a text.",
        "schema": {
            "objects": {"text": {"type": "text"}},
            "controls": {
                "labels": {
                    "type": "choices",
                    "object": "text",
                    "options": ["billing", "shipping", "product", "account", "other"],
                    "multiple": True,
                    "required": True,
                },
            },
        },
        "example": {
            "data": {"text": "I was charged twice and the parcel is late."},
            "result": {"labels": ["billing", "shipping"]},
        },
    },
    "ner_relations": {
        "title": "Named entities and relations",
        "description": "Mark entity spans in a text, then link them with typed relations.",
        "schema": {
            "objects": {"text": {"type": "text"}},
            "controls": {
                "entities": {
                    "type": "spans",
                    "object": "text",
                    "labels": ["PER", "ORG", "LOC", "MISC"],
                    "colors": {"PER": "#e6194b", "ORG": "#3cb44b", "LOC": "#4363d8", "MISC": "#f58231"},
                    "required": True,
                },
                "relations": {"type": "relations", "controls": ["entities"], "labels": ["works_for", "located_in"]},
            },
        },
        "example": {
            "data": {"text": "Ada works for ACME in London."},
            "result": {
                "entities": [
                    {"id": "e1", "start": 0, "end": 3, "label": "PER"},
                    {"id": "e2", "start": 14, "end": 18, "label": "ORG"},
                    {"id": "e3", "start": 22, "end": 28, "label": "LOC"},
                ],
                "relations": [
                    {"from": "e1", "to": "e2", "label": "works_for"},
                    {"from": "e2", "to": "e3", "label": "located_in"},
                ],
            },
        },
    },
    "image_boxes": {
        "title": "Object detection with boxes",
        "description": "Draw a box around every object in an image.",
        "schema": {
            "objects": {"image": {"type": "image"}},
            "controls": {"objects": {"type": "boxes", "object": "image", "labels": ["car", "person", "bicycle"]}},
        },
        "example": {
            "data": {"image": {"src": "https://example.com/street.jpg", "width": 640, "height": 480}},
            "result": {
                "objects": [{"id": "b1", "x": 12, "y": 40, "width": 200, "height": 120, "rotation": 0, "label": "car"}]
            },
        },
    },
    "image_segmentation": {
        "title": "Image segmentation",
        "description": "Outline regions with polygons or paint them with a brush (stored as COCO RLE).",
        "schema": {
            "objects": {"image": {"type": "image"}},
            "controls": {
                "outlines": {"type": "polygons", "object": "image", "labels": ["road", "building", "tree"]},
                "paint": {"type": "masks", "object": "image", "labels": ["sky", "water"]},
            },
        },
        "example": {
            "data": {"image": {"src": "https://example.com/city.jpg", "width": 4, "height": 3}},
            "result": {
                "outlines": [{"id": "p1", "points": [[0, 0], [4, 0], [2, 3]], "label": "road"}],
                "paint": [{"id": "m1", "rle": {"size": [3, 4], "counts": [6, 6]}, "label": "sky"}],
            },
        },
    },
    "keypoints": {
        "title": "Pose keypoints",
        "description": "Place the keypoints of a skeleton on each person.",
        "schema": {
            "objects": {"image": {"type": "image"}},
            "controls": {
                "pose": {
                    "type": "keypoints",
                    "object": "image",
                    "labels": ["person"],
                    "points": ["head", "neck", "left_hand", "right_hand", "hips", "left_foot", "right_foot"],
                    "skeleton": [
                        ["head", "neck"],
                        ["neck", "left_hand"],
                        ["neck", "right_hand"],
                        ["neck", "hips"],
                        ["hips", "left_foot"],
                        ["hips", "right_foot"],
                    ],
                },
            },
        },
        "example": {
            "data": {"image": {"src": "https://example.com/runner.jpg", "width": 300, "height": 400}},
            "result": {
                "pose": [
                    {
                        "id": "k1",
                        "label": "person",
                        "points": [[150, 40, 2], [150, 80, 2], [100, 150, 2], [200, 150, 1], [150, 220, 2],
                                   [120, 380, 2], [0, 0, 0]],
                    }
                ]
            },
        },
    },
    "audio_transcription": {
        "title": "Audio transcription",
        "description": "Cut the audio into speaker segments and transcribe each one.",
        "schema": {
            "objects": {"audio": {"type": "audio"}},
            "controls": {
                "speakers": {"type": "segments", "object": "audio", "labels": ["speaker_1", "speaker_2", "noise"]},
                "transcript": {"type": "text", "object": "audio", "per_region": True, "regions_of": "speakers"},
            },
        },
        "example": {
            "data": {"audio": {"src": "https://example.com/call.mp3", "duration": 12.5}},
            "result": {
                "speakers": [
                    {"id": "s1", "start": 0.0, "end": 4.2, "label": "speaker_1"},
                    {"id": "s2", "start": 4.2, "end": 9.0, "label": "speaker_2"},
                ],
                "transcript": {"s1": "Hello, how can I help?", "s2": "My order has not arrived."},
            },
        },
    },
    "video_tracking": {
        "title": "Video object tracking",
        "description": "Follow each object through the video with boxes on keyframes; frames between are interpolated.",
        "schema": {
            "objects": {"video": {"type": "video"}},
            "controls": {"tracks": {"type": "tracks", "object": "video", "labels": ["player", "ball"]}},
        },
        "example": {
            "data": {"video": {"src": "https://example.com/match.mp4", "frames": 250, "frame_rate": 25, "width": 1280,
                               "height": 720}},
            "result": {
                "tracks": [
                    {
                        "id": "t1",
                        "label": "ball",
                        "keyframes": [
                            {"frame": 0, "x": 600, "y": 300, "width": 20, "height": 20, "visible": True},
                            {"frame": 40, "x": 900, "y": 320, "width": 20, "height": 20, "visible": False},
                        ],
                    }
                ]
            },
        },
    },
    "timeseries_segments": {
        "title": "Time-series events",
        "description": "Mark time ranges of events (anomalies, activities) on a sensor series.",
        "schema": {
            "objects": {"series": {"type": "timeseries", "channels": ["temperature", "vibration"]}},
            "controls": {"events": {"type": "segments", "object": "series", "labels": ["anomaly", "maintenance"]}},
        },
        "example": {
            "data": {"series": {"time": [0, 1, 2, 3, 4, 5], "temperature": [20, 21, 35, 36, 21, 20],
                                "vibration": [0.1, 0.1, 0.9, 0.8, 0.1, 0.1]}},
            "result": {"events": [{"id": "ev1", "start": 2, "end": 3.5, "label": "anomaly"}]},
        },
    },
    "llm_comparison": {
        "title": "Compare LLM outputs",
        "description": "Rank several model answers to a prompt, pick the better of two, and rate the best one.",
        "schema": {
            "objects": {
                "prompt": {"type": "text"},
                "answers": {"type": "paragraphs"},
                "answer_a": {"type": "text"},
                "answer_b": {"type": "text"},
            },
            "controls": {
                "ranking": {"type": "ranking", "object": "answers", "required": True},
                "preference": {"type": "pairwise", "objects": ["answer_a", "answer_b"]},
                "quality": {"type": "rating", "object": "answers", "max": 5},
            },
        },
        "example": {
            "data": {
                "prompt": "Name a prime number.",
                "answers": [
                    {"id": "m1", "author": "model-1", "text": "7"},
                    {"id": "m2", "author": "model-2", "text": "9"},
                ],
                "answer_a": "7",
                "answer_b": "9",
            },
            "result": {"ranking": ["m1", "m2"], "preference": "a", "quality": 5},
        },
    },
    "llm_chat_evaluation": {
        "title": "LLM chat evaluation",
        "description": "Rate each assistant reply and the whole conversation, flag issues, mark unsafe spans, "
                       "and rewrite a reply into a better one.",
        "schema": {
            "objects": {"chat": {"type": "chat"}},
            "controls": {
                "helpfulness": {"type": "rating", "object": "chat", "per_message": True, "roles": ["assistant"],
                                "description": "How helpful is this reply? (1-5)"},
                "issues": {"type": "choices", "object": "chat", "per_message": True, "roles": ["assistant"],
                           "multiple": True, "options": ["incorrect", "unsafe", "off-topic", "verbose"]},
                "critique": {"type": "text", "object": "chat", "per_message": True, "roles": ["assistant"],
                             "description": "What is wrong with this reply?"},
                "rewrite": {"type": "edit", "object": "chat", "description": "The reply as it should have been"},
                "unsafe": {"type": "spans", "object": "chat", "labels": ["unsafe", "personal data", "made up"]},
                "overall": {"type": "rating", "object": "chat", "description": "The whole conversation (1-5)"},
                "resolved": {"type": "choices", "object": "chat", "options": ["resolved", "not resolved"]},
            },
        },
        "example": {
            "data": {"chat": [
                {"role": "system", "content": "You are a support assistant for Acme routers."},
                {"role": "user", "content": "My router blinks red. What now?"},
                {"role": "assistant", "model": "acme-chat-1",
                 "content": "A red light means no internet. Restart the router, then call 555-0100."},
            ]},
            "result": {"helpfulness": {"2": 4}, "issues": {"2": ["verbose"]}, "overall": 4, "resolved": "resolved",
                       "unsafe": [{"id": "u1", "message": 2, "start": 61, "end": 69, "label": "personal data",
                                   "text": "555-0100"}]},
        },
    },
    "preference_rlhf": {
        "title": "Preference (RLHF)",
        "description": "Compare two candidate replies at a turn of a chat, say which is better and by how much, "
                       "and mark problems; exports DPO prompt/chosen/rejected pairs.",
        "schema": {
            "objects": {"chat": {"type": "chat"}},
            "controls": {
                "preference": {"type": "pairwise", "object": "chat", "required": True},
                "margin": {"type": "choices", "object": "chat", "options": ["slightly better", "much better"]},
                "problems": {"type": "spans", "object": "chat", "labels": ["unsafe", "wrong"]},
                "reason": {"type": "text", "object": "chat", "description": "Why is it better?"},
            },
        },
        "example": {
            "data": {"chat": [
                {"role": "user", "content": "Give me a word that rhymes with cat."},
                {"role": "assistant", "alternatives": [{"id": "a", "content": "Hat.", "model": "model-a"},
                                                       {"id": "b", "content": "Dog.", "model": "model-b"}]},
            ]},
            "result": {"preference": {"1": "a"}, "margin": "much better",
                       "problems": [{"id": "p1", "message": 1, "alternative": 1, "start": 0, "end": 3,
                                     "label": "wrong"}]},
        },
    },
    "document_form": {
        "title": "Documents and forms (PDF)",
        "description": "Upload PDF files: classify the document and each page, box the fields of a form, mark "
                       "entities in the text layer (offsets and boxes), and link questions to answers; exports "
                       "FUNSD-style forms and per-page COCO.",
        "schema": {
            "objects": {"document": {"type": "pdf"}},
            "controls": {
                "fields": {"type": "boxes", "object": "document", "labels": ["question", "answer", "header"]},
                "entities": {"type": "spans", "object": "document", "labels": ["date", "total", "party"]},
                "links": {"type": "relations", "controls": ["fields", "entities"], "labels": ["answer_of"]},
                "doc_type": {"type": "choices", "object": "document", "options": ["invoice", "form", "other"]},
                "page_type": {"type": "choices", "object": "document", "per_page": True,
                              "options": ["text", "table"], "description": "What this page mostly holds"},
            },
        },
        "example": {
            "data": {"document": {"src": "/api/v1/media/1/" + "0" * 64 + ".pdf", "pages": 2,
                                  "page_sizes": [[612, 792], [612, 792]]}},
            "result": {
                "fields": [{"id": "q1", "page": 0, "x": 72, "y": 110, "width": 40, "height": 12, "rotation": 0,
                            "label": "question"}],
                "entities": [{"id": "t1", "page": 0, "start": 41, "end": 51, "label": "total", "text": "101.00 EUR",
                              "boxes": [[120, 110, 70, 12]]}],
                "links": [{"from": "q1", "to": "t1", "label": "answer_of"}],
                "doc_type": "invoice",
                "page_type": {"0": "table"},
            },
        },
    },
    "lidar_cuboids": {
        "title": "LIDAR point clouds: 3D cuboids",
        "description": "Upload KITTI .bin, PCD, PLY or LAS sweeps (one task each, or one sequence): box cars, "
                       "pedestrians and cyclists as cuboids in a 3D view with top, side and front views, with an "
                       "occlusion attribute; exports KITTI 3D labels and a JSON of cuboids.",
        "schema": {
            "objects": {"sweep": {"type": "pointcloud"}},
            "controls": {
                "objects": {"type": "cuboids", "object": "sweep", "labels": ["car", "pedestrian", "cyclist", "van"],
                            "colors": {"car": "#e6194b", "pedestrian": "#3cb44b", "cyclist": "#ffe119",
                                       "van": "#42d4f4"}},
                "occluded": {"type": "choices", "object": "sweep", "per_region": True, "regions_of": "objects",
                             "options": ["visible", "partly", "mostly"], "description": "How hidden the object is"},
            },
        },
        "example": {
            "data": {"sweep": {"src": "/api/v1/media/1/" + "0" * 64 + ".bin", "points": 120000}},
            "result": {
                "objects": [{"id": "c1", "label": "car", "x": 12.0, "y": -3.0, "z": -0.95, "length": 4.2,
                             "width": 1.8, "height": 1.5, "yaw": 0.3}],
                "occluded": {"c1": "partly"},
            },
        },
    },
    "ct_segmentation": {
        "title": "Medical imaging: CT/MR masks and measurements",
        "description": "Upload DICOM series (a zip each) or NIfTI volumes, de-identified at import: paint organ and "
                       "lesion masks slice by slice into a 3D label volume, box nodules, measure lengths in mm, and "
                       "classify the study; scroll slices, window/level with CT presets, axial, sagittal and coronal "
                       "views; exports NIfTI label volumes, DICOM SEG and COCO per slice.",
        "schema": {
            "objects": {"scan": {"type": "dicom"}},
            "controls": {
                "structures": {"type": "masks", "object": "scan", "labels": ["liver", "kidney", "lesion"],
                               "colors": {"liver": "#e6194b", "kidney": "#3cb44b", "lesion": "#ffe119"}},
                "nodules": {"type": "boxes", "object": "scan", "labels": ["nodule"]},
                "measurements": {"type": "polylines", "object": "scan", "labels": ["diameter"],
                                 "description": "Two clicks: a length in mm from the pixel spacing"},
                "study": {"type": "choices", "object": "scan", "options": ["normal", "abnormal", "non-diagnostic"]},
            },
        },
        "example": {
            "data": {"scan": {"src": "/api/v1/media/1/" + "0" * 64 + ".npz", "width": 512, "height": 512,
                              "slices": 300, "spacing": [0.7, 0.7, 1.25], "modality": "CT", "window": [40, 400]}},
            "result": {
                "structures": [{"id": "m1", "label": "liver", "slice": 150,
                                "rle": {"size": [512, 512], "counts": [131072, 4, 508, 4, 130556]}}],
                "nodules": [{"id": "b1", "label": "nodule", "slice": 120, "x": 300, "y": 200, "width": 12,
                             "height": 11, "rotation": 0}],
                "measurements": [{"id": "l1", "label": "diameter", "slice": 120, "points": [[300, 205], [312, 205]],
                                  "length_mm": 8.4}],
                "study": "abnormal",
            },
        },
    },
}
