from django.http import Http404


def case_list(request):  # placeholder, being written
    raise Http404
