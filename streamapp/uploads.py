"""A request-size limit for one upload view, applied before and while Django reads the body.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out, and FILE_UPLOAD_MAX_MEMORY_SIZE only says
when a file goes to disk: neither stops a 300 MB upload. An UploadLimit is installed by the view,
before anything reads request.POST (so the view is csrf_exempt and checks the token itself once the
body is read: see Django's "Modifying upload handlers on the fly"). It refuses a body whose
Content-Length is over the limit without reading any of it, and stops reading the files once their
bytes pass the limit (a body that says less than it sends).
"""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

# Room for the rest of a multipart body: the other fields, the CSRF token, each part's headers.
FORM_OVERHEAD_BYTES = 64 * 1024


class UploadLimit(FileUploadHandler):
    """Refuse a multipart upload whose files add up to more than max_bytes; exceeded says it happened."""

    def __init__(self, request: HttpRequest, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False

    @classmethod
    def install(cls, request: HttpRequest, *, max_bytes: int) -> "UploadLimit":
        """Put a limit first among the request's upload handlers (before its body is read)."""
        limit = cls(request, max_bytes)
        request.upload_handlers.insert(0, limit)
        return limit

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.max_bytes + FORM_OVERHEAD_BYTES:
            self.exceeded = True
            return QueryDict(encoding=encoding), MultiValueDict()  # the body is never read
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            # The rest is read and dropped (no more than the Content-Length let through), so the
            # client gets the answer rather than a reset connection.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
