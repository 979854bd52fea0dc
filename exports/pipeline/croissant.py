"""Croissant 1.0 metadata (``croissant.json``): a FileObject with SHA-256 per table file,
split list and EmoS label file, FileSets for the streaming EmoS files and included media, and
one RecordSet per Parquet table with a field per column (lists as repeated fields).

Text people wrote is JSON string data here; a link (``url``) is published only when it is an
http(s) URL, whatever the options say."""

from pathlib import Path
from typing import Any

from exports.pipeline.data import ReleaseData, is_http_url, is_license
from exports.pipeline.tables import Table

CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
DATA_TYPES = {
    "string": "sc:Text",
    "json": "sc:Text",
    "int64": "sc:Integer",
    "float64": "sc:Float",
    "float32": "sc:Float",
    "bool": "sc:Boolean",
    "list<string>": "sc:Text",
}
FORMATS = {
    ".parquet": "application/x-parquet",
    ".jsonl": "application/jsonlines",
    ".json": "application/json",
    ".txt": "text/plain",
}
KEYS = {
    "clips": ["clip_id"],
    "gold": ["clip_id"],
    "agreement": ["clip_id"],
    "labels": ["clip_id", "annotator", "revision"],
    "segments": ["clip_id", "index"],
    "model_drafts": ["clip_id", "run_id"],
}


def _file_id(relative: str) -> str:
    return relative.replace("/", "-")


def _record_set(table: Table, file_id: str) -> dict[str, Any]:
    fields = []
    for column in table.columns:
        field: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": f"{table.name}/{column.name}",
            "name": column.name,
            "description": column.description,
            "dataType": DATA_TYPES[column.type],
            "source": {"fileObject": {"@id": file_id}, "extract": {"column": column.name}},
        }
        if column.type == "list<string>":
            field["repeated"] = True
        fields.append(field)
    record_set: dict[str, Any] = {
        "@type": "cr:RecordSet",
        "@id": table.name,
        "name": table.name,
        "description": table.description,
        "field": fields,
    }
    if table.name in KEYS:
        record_set["key"] = [{"@id": f"{table.name}/{k}"} for k in KEYS[table.name]]
    return record_set


def croissant(
    data: ReleaseData,
    tables: list[Table],
    files: dict[str, str],
    *,
    languages: list[str],
    file_sets: dict[str, tuple[str, str]],
) -> dict[str, Any]:
    """``files``: release-relative path -> sha256 of every file listed as a FileObject;
    ``file_sets``: id -> (glob, encoding format)."""
    distribution: list[dict[str, Any]] = []
    for relative, digest in sorted(files.items()):
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": _file_id(relative),
                "name": relative,
                "contentUrl": relative,
                "encodingFormat": FORMATS[Path(relative).suffix],
                "sha256": digest,
            }
        )
    for set_id, (pattern, encoding) in sorted(file_sets.items()):
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": set_id,
                "name": set_id,
                "includes": pattern,
                "encodingFormat": encoding,
            }
        )
    options = data.options
    metadata: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": data.project_slug,
        "alternateName": data.project_name,
        "description": data.description or data.project_name,
        "version": data.version,
        "datePublished": data.created,
        "license": options.license if is_license(options.license) else "other",
        "inLanguage": languages,
        "keywords": ["emotion recognition", "multimodal", "Basic-7", "GoEmotions"],
        "citeAs": options.citation or f"{data.project_name}, release {data.version}",
        "distribution": distribution,
        "recordSet": [
            _record_set(t, _file_id(f"data/{t.name}.parquet"))
            for t in tables
            if f"data/{t.name}.parquet" in files
        ],
    }
    if is_http_url(options.homepage):  # validated when the release was created; again here
        metadata["url"] = options.homepage
    return metadata
