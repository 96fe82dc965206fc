from django.http import Http404


def case_detail(request, pk):  # placeholder, being written
    raise Http404


def plan_version(request, pk, version):  # placeholder, being written
    raise Http404


def plan_diff(request, pk):  # placeholder, being written
    raise Http404


def case_process(request, pk):  # placeholder, being written
    raise Http404


def process_diagram(request):  # placeholder, being written
    raise Http404
