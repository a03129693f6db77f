from django import template

from scoring import media

register = template.Library()


@register.filter
def private_url(field_file) -> str:
    return media.private_url(field_file)
