"""The aggregate tables keep two grains, region × category and region × department. The finer grains
(every filter; all but the department) held about a row per request at a province's size; views filtered
by department, source or industry now count the requests. After migrating backwards, run
``manage.py rebuild_stats`` to count the finer grains again."""

from django.db import migrations, models

DROPPED = "DELETE FROM {table} WHERE grain IN (1, 2)"


class Migration(migrations.Migration):

    dependencies = [
        ('issues', '0017_request_open_project_index'),
        ('orgs', '0002_enterprise_managing_member'),
        ('supervision', '0008_dashboard_indexes'),
    ]

    operations = [
        migrations.RunSQL(DROPPED.format(table="supervision_dailystat"), migrations.RunSQL.noop),
        migrations.RunSQL(DROPPED.format(table="supervision_monthlystat"), migrations.RunSQL.noop),
        migrations.RemoveConstraint(
            model_name='dailystat',
            name='daily_stat_key',
        ),
        migrations.RemoveConstraint(
            model_name='monthlystat',
            name='monthly_stat_key',
        ),
        migrations.RemoveIndex(
            model_name='dailystat',
            name='daily_stat_dept_day',
        ),
        migrations.RemoveIndex(
            model_name='monthlystat',
            name='monthly_stat_dept_month',
        ),
        migrations.RemoveField(
            model_name='dailystat',
            name='industry',
        ),
        migrations.RemoveField(
            model_name='dailystat',
            name='source',
        ),
        migrations.RemoveField(
            model_name='monthlystat',
            name='industry',
        ),
        migrations.RemoveField(
            model_name='monthlystat',
            name='source',
        ),
        migrations.AlterField(
            model_name='dailystat',
            name='grain',
            field=models.PositiveSmallIntegerField(choices=[(3, 'region and department'), (4, 'region and category')], verbose_name='grain'),
        ),
        migrations.AlterField(
            model_name='monthlystat',
            name='grain',
            field=models.PositiveSmallIntegerField(choices=[(3, 'region and department'), (4, 'region and category')], verbose_name='grain'),
        ),
        migrations.AddConstraint(
            model_name='dailystat',
            constraint=models.UniqueConstraint(fields=('grain', 'day', 'region', 'category', 'lead_department'), name='daily_stat_key', nulls_distinct=False),
        ),
        migrations.AddConstraint(
            model_name='monthlystat',
            constraint=models.UniqueConstraint(fields=('grain', 'month', 'region', 'category', 'lead_department'), name='monthly_stat_key', nulls_distinct=False),
        ),
    ]
