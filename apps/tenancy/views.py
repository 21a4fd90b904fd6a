from django.http import HttpResponse


def _stub(request, *a, **k):
    return HttpResponse("stub")


portal_home = tenant_home = tenant_settings = team = change_member_role = remove_member = invite = revoke_invitation = accept_invitation = _stub
