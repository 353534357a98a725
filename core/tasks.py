"""Django's task framework, from one place: ``django.tasks`` from Django 6 on, the
``django-tasks`` backport before. Code imports ``task`` and friends from here, so moving to
Django 6 changes nothing else."""

try:
    from django.tasks import TaskResultStatus, task, task_backends
    from django.tasks.exceptions import TaskResultDoesNotExist
except ImportError:  # Django 5.2: the backport
    from django_tasks import TaskResultStatus, task, task_backends
    from django_tasks.exceptions import TaskResultDoesNotExist

__all__ = ["TaskResultDoesNotExist", "TaskResultStatus", "task", "task_backends"]
