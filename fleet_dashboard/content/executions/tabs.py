from django.utils.translation import gettext_lazy as _
from horizon import tabs

from fleet_dashboard.content.executions import tables


def steps(run):
    """The run's steps in the order they started (then pending ones)."""
    rows = [
        dict(values, name=name)
        for name, values in (
            (run.get('progress') or {}).get('steps') or {}
        ).items()
    ]
    return sorted(rows, key=lambda r: (r.get('started_at') or '~', r['name']))


def instances(run):
    return [
        dict(values, uuid=uuid)
        for uuid, values in sorted(
            ((run.get('progress') or {}).get('instances') or {}).items()
        )
    ]


def events(run):
    return [dict(e, index=i) for i, e in enumerate(run.get('events') or [])]


class OverviewTab(tabs.TableTab):
    name = _('Progress')
    slug = 'progress'
    table_classes = (tables.StepsTable, tables.RunInstancesTable)
    template_name = 'fleet/executions/_detail_progress.html'

    def get_context_data(self, request, **kwargs):
        context = super().get_context_data(request, **kwargs)
        run = self.tab_group.kwargs['run']
        context['run'] = run
        context['summary'] = (run.get('progress') or {}).get(
            'instances_summary'
        ) or {}
        context['final'] = run.get('state') in tables.FINAL_STATES
        # The tab alone, as Horizon serves it to an AJAX GET: what the
        # page's script polls for live progress.
        context['poll_url'] = f'{request.path}?tab={self.get_id()}'
        # The page header's buttons as they are now (cancel disappears when
        # the run ends, approve / reject once decided): the script swaps
        # them in with the progress.
        context['actions'] = tables.RunsTable(request).render_row_actions(run)
        return context

    def get_steps_data(self):
        return steps(self.tab_group.kwargs['run'])

    def get_run_instances_data(self):
        return instances(self.tab_group.kwargs['run'])


class EventsTab(tabs.TableTab):
    name = _('Events')
    slug = 'events'
    table_classes = (tables.EventsTable,)
    template_name = 'horizon/common/_detail_table.html'

    def get_events_data(self):
        return events(self.tab_group.kwargs['run'])


class RunDetailTabs(tabs.DetailTabsGroup):
    slug = 'run_details'
    tabs = (OverviewTab, EventsTab)
