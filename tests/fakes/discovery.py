"""Every request the fake receives is checked against Google's own discovery documents.

The documents are the ones google-api-python-client ships (googleapiclient/discovery_cache/documents/
sheets.v4.json and drive.v3.json, a `dev` dependency); they are read from the installed package, never
copied into the repository. For each request:

- the HTTP method and path must name a method of the API (else Google's HTML 404 page);
- every query parameter must be one the method or the API takes (camelCase or snake_case, as Google
  accepts both), of its type (boolean, integer) and, for an enum, one of its values;
- the `fields` mask must name fields of the method's response schema;
- the JSON body is checked recursively against the method's request schema: unknown names, enum values,
  scalar types (TYPE_STRING, TYPE_INT32, TYPE_BOOL, ...), objects and lists where the schema has them.

Refusals use the shapes Google answers with: 400 INVALID_ARGUMENT whose message joins every violation
(one per line) and whose details hold a google.rpc.BadRequest with one fieldViolation each, e.g.
`Invalid JSON payload received. Unknown name "foo" at 'requests[0].add_sheet': Cannot find field.`,
`Invalid value at 'data[0].major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), "COLS"`,
`Invalid JSON payload received. Unknown name "foo": Cannot bind query parameter. Field 'foo' could not be
found in request message.` Paths use the proto (snake_case) names and list indexes, as Google's do.

Simplifications: the discovery document does not name an enum's proto type, so it is taken from a small
table of the Sheets enums the bot meets (Dimension, ValueInputOption, ...) and otherwise derived from the
enum's `*_UNSPECIFIED` value or the field's name; the wording of a bad `fields` mask ("Invalid field
selection foo") and of a wrong JSON kind (an object where a list belongs) is the fake's best guess, not
verified against Google. Drive requests are checked for the method, the `fields` mask and boolean
parameters, in Drive's own error shape; an unknown Drive parameter is let through (Drive's answer to one
is not modelled). Cells (`values` items, type "any") are left to the endpoint, which refuses what Google
refuses there.

The validated body comes back normalised to camelCase names, so the endpoints read one spelling.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from .errors import ApiError, google_error

SHEETS_PROTO = "type.googleapis.com/google.apps.sheets.v4."
NOT_FOUND_HTML = ("<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n"
                  "  <p><b>404.</b> <ins>That’s an error.</ins>\n  <p>The requested URL <code>{path}</code> was not "
                  "found on this server.  <ins>That’s all we know.</ins>\n")

# The proto enum types of the Sheets enums, where the discovery document gives values but no name.
_ENUM_TYPES_BY_VALUES = [
    ({"ROWS", "COLUMNS"}, "Dimension"),
    ({"RAW", "USER_ENTERED"}, "ValueInputOption"),
    ({"FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"}, "ValueRenderOption"),
    ({"SERIAL_NUMBER", "FORMATTED_STRING"}, "DateTimeRenderOption"),
    ({"OVERWRITE", "INSERT_ROWS"}, "InsertDataOption"),
    ({"ASCENDING", "DESCENDING"}, "SortOrder"),
    ({"DOCUMENT", "PROJECT"}, "DeveloperMetadata.DeveloperMetadataVisibility"),
    ({"EXACT_LOCATION", "INTERSECTING_LOCATION"}, "DeveloperMetadataLookup.DeveloperMetadataLocationMatchingStrategy"),
]
_SCALAR_TYPES = {("string", None): "TYPE_STRING", ("integer", "int32"): "TYPE_INT32", ("integer", "uint32"): "TYPE_UINT32",
                 ("string", "int64"): "TYPE_INT64", ("string", "uint64"): "TYPE_UINT64", ("number", "double"): "TYPE_DOUBLE",
                 ("number", "float"): "TYPE_FLOAT", ("boolean", None): "TYPE_BOOL"}


def documents_dir() -> Path:
    """googleapiclient/discovery_cache/documents of the installed google-api-python-client."""
    spec = importlib.util.find_spec("googleapiclient")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("google-api-python-client is not installed (pip install -e '.[dev]'): the Google fake "
                           "reads its discovery documents")
    return Path(list(spec.submodule_search_locations)[0]) / "discovery_cache" / "documents"


@functools.lru_cache(maxsize=None)
def document(name: str) -> dict:
    """A discovery document by name: "sheets.v4" or "drive.v3"."""
    return json.loads((documents_dir() / f"{name}.json").read_text(encoding="utf-8"))


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def _shown(value: Any) -> str:
    return json.dumps(value)     # strings quoted, numbers and true/false bare, as Google shows them


def _not_repeating(path: str) -> tuple[str, str]:
    parent, _, name = path.rpartition(".")
    where = f" at '{parent}'" if parent else ""
    return (parent or None, f'Invalid JSON payload received. Unknown name "{name}"{where}: Proto field is not '
                            "repeating, cannot start list.")


def bad_request(violations: list[tuple[str | None, str]]) -> ApiError:
    """Google's 400 for a request that does not parse: every violation, one per line, and BadRequest details."""
    message = "\n".join(desc for _, desc in violations)
    details = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [({"field": f, "description": d} if f else {"description": d})
                                    for f, d in violations]}]
    return ApiError(400, message, google_error(400, message, "INVALID_ARGUMENT", details))


class Method:
    def __init__(self, api: "Api", method_id: str, spec: dict, template: str) -> None:
        self.api, self.id, self.spec = api, method_id, spec
        self.http_method = spec["httpMethod"]
        pattern, literal = "", 0
        for part in re.split(r"(\{\+?\w+\})", template):
            m = re.fullmatch(r"\{\+?(\w+)\}", part)
            if m:
                pattern += f"(?P<{m.group(1)}>.+)" if m.group(1) == "range" else f"(?P<{m.group(1)}>[^/:]+)"
            else:
                pattern += re.escape(part)
                literal += len(part)
        self.regex = re.compile(pattern)
        self.literal = literal
        params = dict(api.doc.get("parameters", {}))
        params.update({k: v for k, v in spec.get("parameters", {}).items() if v.get("location") == "query"})
        self.query = params

    @property
    def request_schema(self) -> str | None:
        return (self.spec.get("request") or {}).get("$ref")

    @property
    def response_schema(self) -> str | None:
        return (self.spec.get("response") or {}).get("$ref")


class Api:
    """One discovery document: its methods, their parameters and the schemas of bodies and answers."""

    def __init__(self, name: str, proto_prefix: str) -> None:
        self.doc = document(name)
        self.schemas: dict[str, dict] = self.doc["schemas"]
        self.proto = proto_prefix
        self.methods: list[Method] = []
        self._walk(self.doc.get("resources", {}), self.doc.get("servicePath", ""))

    def _walk(self, resources: dict, service_path: str) -> None:
        for resource in resources.values():
            for spec in resource.get("methods", {}).values():
                self.methods.append(Method(self, spec["id"], spec, service_path + spec["path"]))
            self._walk(resource.get("resources", {}), service_path)

    def find(self, http_method: str, path: str) -> tuple[Method, dict[str, str]] | None:
        """The method a request names (by HTTP method and path, without the leading '/'), and its path params."""
        best = None
        for method in self.methods:
            if method.http_method != http_method:
                continue
            m = method.regex.fullmatch(path)
            if m and (best is None or method.literal > best[0].literal):
                best = (method, m.groupdict())
        return best

    # -- enums and types -----------------------------------------------------------------------------

    def enum_type(self, field: str, values: list[str]) -> str:
        have = set(values)
        for marker, name in _ENUM_TYPES_BY_VALUES:
            if marker <= have:
                return self.proto + name
        for v in values:
            if v.endswith("_UNSPECIFIED"):
                return self.proto + "".join(w.capitalize() for w in v[:-len("_UNSPECIFIED")].split("_"))
        return self.proto + camel(field)[:1].upper() + camel(field)[1:]

    # -- query parameters ----------------------------------------------------------------------------

    def check_query(self, method: Method, params: dict[str, list[str]]) -> dict[str, list[str]]:
        """The parameters by their camelCase names; raises Google's 400 for unknown or ill-typed ones."""
        out: dict[str, list[str]] = {}
        violations: list[tuple[str | None, str]] = []
        for name, values in params.items():
            key = name if name in method.query else camel(name)
            spec = method.query.get(key)
            if spec is None:
                violations.append((None, f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                                         f"parameter. Field '{name}' could not be found in request message."))
                continue
            for value in values:
                problem = self._param_problem(key, spec, value)
                if problem:
                    violations.append((None, f"Invalid value at '{snake(key)}' ({problem}), {json.dumps(value)}"))
            out.setdefault(key, []).extend(values)
        if violations:
            raise bad_request(violations)
        return out

    def _param_problem(self, key: str, spec: dict, value: str) -> str | None:
        kind = spec.get("type")
        if "enum" in spec:
            return None if value in spec["enum"] else self.enum_type(key, spec["enum"])
        if kind == "boolean":
            return None if value in ("true", "false", "True", "False", "1", "0") else "TYPE_BOOL"
        if kind == "integer":
            return None if re.fullmatch(r"-?\d+", value) else "TYPE_INT32"
        return None

    # -- fields masks --------------------------------------------------------------------------------

    def mask_problem(self, schema_id: str | None, tree: dict) -> str | None:
        """The first name of a parsed `fields` mask that the response schema does not have, or None."""
        if schema_id is None:
            return None
        return self._mask_in(self.schemas[schema_id], tree)

    def _mask_in(self, schema: dict, tree: dict) -> str | None:
        while "$ref" in schema or schema.get("type") == "array":
            schema = self.schemas[schema["$ref"]] if "$ref" in schema else schema.get("items", {})
        props = schema.get("properties")
        if props is None:
            return None       # a map or an "any": whatever is under it
        for name, sub in tree.items():
            if name == "*":
                continue
            key = name if name in props else camel(name)
            if key not in props:
                return name
            if sub is not None:
                bad = self._mask_in(props[key], sub)
                if bad:
                    return f"{name}.{bad}"
        return None

    # -- bodies --------------------------------------------------------------------------------------

    def check_body(self, schema_id: str, body: Any) -> Any:
        """The body with camelCase names; raises Google's 400 listing every violation."""
        violations: list[tuple[str | None, str]] = []
        normal = self._object(body, self.schemas[schema_id], "", violations)
        if violations:
            raise bad_request(violations)
        return normal

    def _object(self, value: Any, schema: dict, path: str, out: list) -> Any:
        if not isinstance(value, dict):
            if isinstance(value, list):
                out.append(_not_repeating(path))
            else:
                out.append((path or None, f"Invalid value at '{path}' ({self.proto}{schema.get('id')}), {_shown(value)}"))
            return value
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if props is None and extra is not None:     # a map
            return {k: self._value(v, extra, f"{path}[{k}]", k, out) for k, v in value.items()}
        props = props or {}
        normal = {}
        for name, item in value.items():
            key = name if name in props else camel(name)
            if key not in props:
                where = f" at '{path}'" if path else ""
                out.append((path or None, f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.'))
                continue
            sub = f"{path}.{snake(key)}" if path else snake(key)
            normal[key] = self._value(item, props[key], sub, key, out)
        return normal

    def _value(self, value: Any, spec: dict, path: str, field: str, out: list) -> Any:
        if value is None:
            return None                    # JSON null: the field's default, as Google's parser takes it
        if "$ref" in spec:
            return self._object(value, self.schemas[spec["$ref"]], path, out)
        kind = spec.get("type")
        if kind == "any":
            return value
        if kind == "array":
            items = spec.get("items", {})
            if not isinstance(value, list):
                out.append((path, f"Invalid value at '{path}' ({self._type_name(field, items)}), {_shown(value)}"))
                return value
            if items.get("type") == "any" or (items.get("type") == "array"
                                               and items.get("items", {}).get("type") == "any"):
                return value               # cells: the endpoint checks them (and they may be many)
            return [self._value(v, items, f"{path}[{i}]", field, out) for i, v in enumerate(value)]
        if kind == "object":
            return self._object(value, spec, path, out)
        if isinstance(value, list):
            out.append(_not_repeating(path))
            return value
        if not self._scalar_ok(value, spec):
            out.append((path, f"Invalid value at '{path}' ({self._type_name(field, spec)}), {_shown(value)}"))
        return value

    def _type_name(self, field: str, spec: dict) -> str:
        if "$ref" in spec:
            return self.proto + spec["$ref"]
        if "enum" in spec:
            return self.enum_type(field, spec["enum"])
        return _SCALAR_TYPES.get((spec.get("type"), spec.get("format")), "TYPE_STRING")

    @staticmethod
    def _scalar_ok(value: Any, spec: dict) -> bool:
        kind, fmt = spec.get("type"), spec.get("format")
        if "enum" in spec:
            if isinstance(value, bool):
                return False
            if isinstance(value, int):
                return 0 <= value < len(spec["enum"])
            return value in spec["enum"]
        if kind == "boolean":
            return isinstance(value, bool)
        if kind == "integer":
            if isinstance(value, bool):
                return False
            if isinstance(value, float):
                return value.is_integer()
            return isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None)
        if kind == "number":
            if isinstance(value, bool):
                return False
            if isinstance(value, (int, float)):
                return True
            return isinstance(value, str) and re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|NaN|-?Infinity",
                                                           value) is not None
        if kind == "string" and fmt in ("int64", "uint64"):
            return (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None)
        if kind == "string":
            return isinstance(value, str)
        return True


@functools.lru_cache(maxsize=None)
def sheets_api() -> Api:
    return Api("sheets.v4", SHEETS_PROTO)


@functools.lru_cache(maxsize=None)
def drive_api() -> Api:
    return Api("drive.v3", "type.googleapis.com/google.apps.drive.v3.")


def not_found(path: str) -> ApiError:
    """Google's front end's answer for a path no method has: an HTML page."""
    return ApiError(404, body=NOT_FOUND_HTML.format(path=path))
