"""The one template library that every module of streamapp.ui registers its tags and filters in."""

from django import template

register = template.Library()
