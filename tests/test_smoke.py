from tests.conftest import login


def test_demo_admin_reaches_home(client):
    assert login(client, "admin").status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "Admin Kemitraan" in page.get_data(as_text=True)
