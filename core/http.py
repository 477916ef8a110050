"""What thin views share: form data for a POST, the form-view skeleton, and downloads."""

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render

INVALID = 422  # a form that could not be accepted as sent


def bound(request, *, files: bool = False) -> tuple:
    """Form data for a POST (even an empty one), nothing for a GET: `Form(*bound(request))`."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError shown on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def form_view[T](
    request,
    form,
    *,
    save: Callable[[], T],
    done: Callable[[T], HttpResponse],
    template: str,
    context: dict | None = None,
    invalid: int = INVALID,
) -> HttpResponse:
    """The form-view skeleton: a valid POST calls `save()` (a service) and answers with
    `done(result)`, usually a redirect; invalid data, or a ValidationError from the
    service, shows the form again with its errors and the status `invalid`."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save()
        except ValidationError as error:
            add_errors(form, error)
        else:
            return done(result)
    status = invalid if form.is_bound else 200
    return render(request, template, {"form": form, **(context or {})}, status=status)


def attachment(filename: str, content_type: str, content: bytes | str | Iterable) -> HttpResponse:
    """An export, `(filename, content_type, data)`, as a private download; streamed when
    the data comes as an iterator."""
    if isinstance(content, bytes | str):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
