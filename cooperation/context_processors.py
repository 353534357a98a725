from django.http import HttpRequest

from agreements.selectors import request_scope


def user_scope(request: HttpRequest) -> dict:
    return {"scope": request_scope(request)}
