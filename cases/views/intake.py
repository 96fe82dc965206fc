from django.http import Http404


def intake(request):  # placeholder, being written
    raise Http404
