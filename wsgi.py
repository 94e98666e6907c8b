from partnerships import create_app

app = create_app()
