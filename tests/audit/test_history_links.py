"""Every object page links into its filtered history in the audit trail."""

from __future__ import annotations

from tests.factories import MLModelFactory, PluginFactory, ReportFactory


def test_history_links(client, admin):
    model, plugin = MLModelFactory(), PluginFactory()
    report = ReportFactory(requested_by=admin)
    role_page = "/roles"
    pages = {
        f"/users/{admin.id}": f"/audit?target_type=user&amp;target_id={admin.id}",
        f"/models/{model.id}": f"/audit?target_type=model&amp;target_id={model.id}",
        f"/plugins/{plugin.id}": f"/audit?target_type=plugin&amp;target_id={plugin.id}",
        f"/reports/{report.id}": f"/audit?target_type=report&amp;target_id={report.id}",
        f"/workspaces/{model.workspace_id}": f"/audit?workspace={model.workspace_id}",
    }
    for page, link in pages.items():
        body = client.get(page).get_data(as_text=True)
        assert link in body, page
        assert client.get(link.replace("&amp;", "&")).status_code == 200
    assert client.get(role_page).status_code == 200
