"""`{% attendance_words alerts as words %}` and `{{ value|attendance_word:alerts }}`: the
attendance figures' labels, 参集 for a call-up and 出勤 otherwise (broadcast.attendance)."""

from django import template

from renraku.broadcast import attendance

register = template.Library()


@register.simple_tag
def attendance_words(alerts):
    return attendance.words(alerts)


@register.filter
def attendance_word(value, alerts):
    return attendance.word_for(value, alerts)
