"""The example service: ``uvicorn --app-dir examples --factory service.app:create_app``."""
