"""Registering a plugin: a valid manifest (pasted or uploaded) is stored; anything else is not."""

from __future__ import annotations

import io
import json

import pytest

from portal.extensions import db
from portal.models import PluginVersion
from tests.helpers.pages import csrf_token_from, field_errors, flashes_after, post_form, text
from tests.plugins.helpers import manifest, paste, plugin_named, registry_state, upload


def _assert_registered(client, response, admin, audit_rows):
    page = flashes_after(client, response)
    assert "gene-lens 1.0.0 was registered. It is disabled until enabled." in page
    plugin = plugin_named("gene-lens")
    assert plugin.is_enabled is False
    assert plugin.version == "1.0.0" and plugin.author == "OmniScope Labs"
    assert plugin.requested_permissions == ["models.view", "reports.generate"]
    assert plugin.manifest == manifest()
    # The first configuration is made of the schema's top-level defaults.
    assert plugin.config == {"endpoint": "https://lens.example.org", "batch_size": 50}
    assert plugin.installed_by_id == admin.id
    [version] = db.session.query(PluginVersion).filter_by(plugin_id=plugin.id).all()
    assert (version.version, version.manifest, version.installed_by_id) == (
        "1.0.0",
        manifest(),
        admin.id,
    )
    [row] = audit_rows(action="plugin.registered", target_id=str(plugin.id))
    assert row.actor_id == admin.id
    assert row.details == {
        "after": {"name": "gene-lens", "version": "1.0.0", "enabled": False},
        "permissions": ["models.view", "reports.generate"],
        "config_keys": ["batch_size", "endpoint"],
    }


def test_the_form_offers_paste_and_upload(client, admin):
    page = text(client.get("/plugins/new"))
    assert 'enctype="multipart/form-data"' in page
    assert 'name="manifest"' in page and 'name="manifest_file"' in page


def test_a_pasted_manifest_registers(client, admin, audit_rows):
    _assert_registered(client, paste(client, "/plugins/new", manifest()), admin, audit_rows)


def test_an_uploaded_manifest_registers(client, admin, audit_rows):
    body = json.dumps(manifest()).encode()
    response = upload(client, "/plugins/new", b"\xef\xbb\xbf" + body, "gene-lens.JSON")
    _assert_registered(client, response, admin, audit_rows)


def _refused(client, response, before, status=400):
    assert response.status_code == status, text(response)[:3000]
    assert registry_state() == before
    return field_errors(response)


INVALID_JSON = '{\n  "name": "gene-lens",\n  "version": "1.0.0"\n  "author": "x"\n}'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            INVALID_JSON,
            ["Manifest is not valid JSON: Expecting ',' delimiter (line 4, column 3)."],
        ),
        ("[1, 2]", ["Manifest must be a JSON object ({…}), not an array."]),
        (
            '{"a": NaN}',
            ["Manifest contains NaN, which is not a number: give a number or leave it out."],
        ),
        (
            '{"name": "a", "name": "b"}',
            ['Manifest has the key "name" twice in one object.'],
        ),
        ("   ", ["Paste a manifest or choose a .json file to upload."]),
    ],
)
def test_text_that_is_not_one_json_object_is_refused(client, admin, body, expected):
    before = registry_state()
    assert _refused(client, paste(client, "/plugins/new", body), before) == expected


def test_every_schema_problem_is_named_with_its_path_sorted(client, admin):
    bad = manifest(
        name="Gene Lens",
        version="1.0",
        description=42,
        author=...,
        entry_point="gene_lens",
        permissions=["models.view", "users.view", "users.delete", "models.view"],
        homepage="ftp://lens.example.org",
        extra="x",
    )
    before = registry_state()
    errors = _refused(client, paste(client, "/plugins/new", bad), before)
    assert errors == [
        "author: is required.",
        "description: must be a string, not an integer.",
        "entry_point: 'gene_lens' is not an entry point of the form module.path:callable.",
        "extra: is not an allowed field (allowed: author, config_schema, description, "
        "entry_point, homepage, name, permissions, version).",
        "homepage: 'ftp://lens.example.org' is not an http:// or https:// URL.",
        "name: 'Gene Lens' is not a plugin name: 2 to 64 lowercase letters, digits and "
        "hyphens, starting with a letter.",
        "permissions: lists 'models.view' more than once.",
        "permissions[2]: 'users.delete' is not a portal permission.",
        "version: '1.0' is not a semantic version MAJOR.MINOR.PATCH with an optional "
        "pre-release (1.2.0-rc.1).",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"permissions": "models.view"}, ["permissions: must be an array, not a string."]),
        ({"permissions": [7]}, ["permissions[0]: must be a string, not an integer."]),
        ({"config_schema": []}, ["config_schema: must be an object, not an array."]),
        (
            {"version": "1.0.0\n"},
            [
                "version: '1.0.0\\n' is not a semantic version MAJOR.MINOR.PATCH with an optional "
                "pre-release (1.2.0-rc.1)."
            ],
        ),
        (
            {"name": "gene-lens", "description": "x" * 2001},
            ["description: is 2,001 characters long; it must be at most 2,000."],
        ),
        (
            {"config_schema": {"type": "object", "properties": {"n": {"type": "integr"}}}},
            [
                "config_schema.properties.n.type: 'integr' is not valid under any of the given "
                "schemas."
            ],
        ),
        (
            {"config_schema": {"properties": {"p": {"pattern": "("}}, "required": "p"}},
            [
                "config_schema.properties.p.pattern: '(' is not a valid regex.",
                "config_schema.required: must be an array, not a string.",
            ],
        ),
        (
            {"config_schema": {"type": "array"}},
            ["config_schema.type: must be \"object\", not 'array'."],
        ),
        (
            {"config_schema": {"$ref": "https://evil.example.org/schema.json"}},
            [
                "config_schema.$ref: only local references (#...) are allowed, not "
                "'https://evil.example.org/schema.json'."
            ],
        ),
        (
            {"author": "a\x00b"},
            ["Manifest.author contains a NUL character (\\u0000), which is not allowed."],
        ),
    ],
)
def test_wrong_types_and_invalid_config_schemas_are_refused(client, admin, changes, expected):
    before = registry_state()
    assert _refused(client, paste(client, "/plugins/new", manifest(**changes)), before) == expected


@pytest.mark.parametrize(
    "field",
    ["name", "version", "description", "author", "entry_point", "permissions", "config_schema"],
)
def test_each_required_field_is_named_when_missing(client, admin, field):
    before = registry_state()
    errors = _refused(client, paste(client, "/plugins/new", manifest(**{field: ...})), before)
    assert errors == [f"{field}: is required."]


def test_nesting_is_bounded_as_stored_manifests_are(client, admin):
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    before = registry_state()
    errors = _refused(client, paste(client, "/plugins/new", manifest(config_schema=deep)), before)
    [message] = errors
    assert message.startswith("Manifest is nested too deeply (line ")
    assert message.endswith("): at most 32 levels.")


def test_a_one_megabyte_paste_gets_a_precise_message(client, admin):
    body = json.dumps(manifest(description="x" * (1024 * 1024)))
    before = registry_state()
    errors = _refused(client, paste(client, "/plugins/new", body), before)
    size = len(body.encode())
    assert errors == [
        f"The manifest is {size:,} bytes; at most 262,144 bytes (256 KB) are allowed."
    ]


def test_a_one_megabyte_upload_gets_a_precise_message(client, admin):
    body = json.dumps(manifest(description="x" * (1024 * 1024))).encode()
    before = registry_state()
    errors = _refused(client, upload(client, "/plugins/new", body), before)
    assert errors == [
        f"manifest.json is {len(body):,} bytes; at most 262,144 bytes (256 KB) are allowed."
    ]


def test_nul_bytes_are_refused_in_a_paste_and_an_upload(client, admin):
    before = registry_state()
    body = json.dumps(manifest())
    pasted = _refused(client, paste(client, "/plugins/new", body[:20] + "\x00" + body[20:]), before)
    assert pasted == ["The manifest contains a NUL character, which is not allowed."]
    uploaded = _refused(client, upload(client, "/plugins/new", body.encode() + b"\x00"), before)
    assert uploaded == ["manifest.json contains a NUL byte, which is not allowed."]


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"{}", "manifest.txt", "manifest.txt is not a .json file."),
        (b"\xff\xfe{}", "manifest.json", "manifest.json is not UTF-8 text."),
        (
            b'{"name": }',
            "manifest.json",
            "Manifest is not valid JSON: Expecting value (line 1, column 10).",
        ),
    ],
)
def test_bad_uploads_are_refused(client, admin, content, filename, expected):
    before = registry_state()
    assert _refused(client, upload(client, "/plugins/new", content, filename), before) == [expected]


def test_paste_and_upload_together_are_refused(client, admin):
    before = registry_state()
    path = "/plugins/new"
    data = {
        "csrf_token": csrf_token_from(client, path),
        "manifest": json.dumps(manifest()),
        "manifest_file": (io.BytesIO(json.dumps(manifest()).encode()), "m.json"),
    }
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and registry_state() == before
    assert "Paste the manifest or upload a file, not both." in text(response)


def test_a_duplicate_name_points_to_the_existing_plugin(client, admin, registered):
    before = registry_state()
    response = paste(client, "/plugins/new", manifest(version="2.0.0"))
    errors = _refused(client, response, before)
    assert errors == [
        "A plugin named gene-lens is registered already (version 1.0.0): upgrade it instead."
    ]
    page = text(response)
    assert f'href="/plugins/{registered.id}"' in page
    assert f'href="/plugins/{registered.id}/upgrade"' in page


def test_csrf_is_required(client, admin):
    before = registry_state()
    response = client.post("/plugins/new", data={"manifest": json.dumps(manifest())})
    assert response.status_code == 400
    assert registry_state() == before


def test_extra_posted_fields_are_ignored(client, admin):
    response = post_form(
        client,
        "/plugins/new",
        {"manifest": json.dumps(manifest()), "is_enabled": "y", "config": '{"x": 1}'},
    )
    assert response.status_code == 303
    plugin = plugin_named("gene-lens")
    assert plugin.is_enabled is False and "x" not in plugin.config
