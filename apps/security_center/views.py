from django.http import HttpResponse


def console_home(request):
    return HttpResponse("stub")
