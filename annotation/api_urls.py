from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from annotation import apis, dashboard_apis, drafts_apis, import_apis, quality_apis
from annotation.security.apis import TokenApi
from clips import apis as clip_apis
from exports import apis as release_apis

urlpatterns = [
    # The hot paths first: Django tries the patterns in order, on every request.
    path("projects/<slug:slug>/next/", apis.NextClipApi.as_view(), name="api-next"),
    path("assignments/<int:assignment_id>/submit/", apis.SubmitApi.as_view(), name="api-submit"),
    path("traces/<int:trace_id>/chunks/", apis.TraceChunksApi.as_view(), name="api-trace-chunks"),
    path("auth/token/", TokenApi.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from ?script (no inline script, so
    # the Content-Security-Policy keeps script-src 'self' here too).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("projects/", apis.ProjectListApi.as_view(), name="api-projects"),
    path("projects/<slug:slug>/", apis.ProjectDetailApi.as_view(), name="api-project"),
    path(
        "projects/<slug:slug>/settings/",
        apis.ProjectSettingsApi.as_view(),
        name="api-project-settings",
    ),
    path(
        "projects/<slug:slug>/archive/",
        apis.ProjectArchiveApi.as_view(),
        name="api-project-archive",
    ),
    path("projects/<slug:slug>/members/", apis.MembersApi.as_view(), name="api-members"),
    path(
        "projects/<slug:slug>/members/<int:user_id>/",
        apis.MemberApi.as_view(),
        name="api-member",
    ),
    path("projects/<slug:slug>/progress/", apis.ProgressApi.as_view(), name="api-progress"),
    path(
        "projects/<slug:slug>/qualification/",
        quality_apis.MyQualificationApi.as_view(),
        name="api-my-qualification",
    ),
    path(
        "projects/<slug:slug>/qualifications/",
        quality_apis.QualificationsApi.as_view(),
        name="api-qualifications",
    ),
    path(
        "projects/<slug:slug>/qualifications/<int:user_id>/",
        quality_apis.RequalifyApi.as_view(),
        name="api-requalify",
    ),
    path("projects/<slug:slug>/pauses/", quality_apis.PausesApi.as_view(), name="api-pauses"),
    path(
        "projects/<slug:slug>/annotators/<int:user_id>/withdraw/",
        quality_apis.LabelsWithdrawApi.as_view(),
        name="api-labels-withdraw",
    ),
    path(
        "projects/<slug:slug>/pauses/<int:user_id>/lift/",
        quality_apis.PauseLiftApi.as_view(),
        name="api-pause-lift",
    ),
    path(
        "projects/<slug:slug>/model-runs/",
        drafts_apis.ModelRunsApi.as_view(),
        name="api-model-runs",
    ),
    path(
        "projects/<slug:slug>/drafts/",
        drafts_apis.DraftsSettingApi.as_view(),
        name="api-drafts-setting",
    ),
    path(
        "projects/<slug:slug>/drafts/report/",
        drafts_apis.DraftsReportApi.as_view(),
        name="api-drafts-report",
    ),
    path("projects/<slug:slug>/clips/", apis.ProjectClipsApi.as_view(), name="api-clips"),
    path("projects/<slug:slug>/disputes/", apis.DisputesApi.as_view(), name="api-disputes"),
    path(
        "projects/<slug:slug>/disputes/next/",
        apis.NextDisputeApi.as_view(),
        name="api-next-dispute",
    ),
    path("projects/<slug:slug>/audit/", apis.AuditApi.as_view(), name="api-audit"),
    path(
        "projects/<slug:slug>/agreement/",
        apis.AgreementReportsApi.as_view(),
        name="api-agreement-reports",
    ),
    path(
        "projects/<slug:slug>/agreement/<str:report_id>/",
        apis.AgreementReportApi.as_view(),
        name="api-agreement-report",
    ),
    path(
        "assignments/<int:assignment_id>/",
        apis.AssignmentDetailApi.as_view(),
        name="api-assignment",
    ),
    path("assignments/<int:assignment_id>/draft/", apis.DraftApi.as_view(), name="api-draft"),
    path("assignments/<int:assignment_id>/release/", apis.ReleaseApi.as_view(), name="api-release"),
    path("annotations/", apis.MyAnnotationsApi.as_view(), name="api-annotations"),
    path(
        "annotations/<int:annotation_id>/",
        apis.AnnotationDetailApi.as_view(),
        name="api-annotation",
    ),
    path(
        "annotations/<int:annotation_id>/corrections/",
        apis.CorrectionApi.as_view(),
        name="api-correction",
    ),
    path(
        "assignments/<int:assignment_id>/trace/",
        apis.TraceStartApi.as_view(),
        name="api-trace-start",
    ),
    path("traces/<int:trace_id>/", apis.TraceDetailApi.as_view(), name="api-trace"),
    path(
        "traces/<int:trace_id>/finalise/",
        apis.TraceFinaliseApi.as_view(),
        name="api-trace-finalise",
    ),
    path(
        "traces/<int:trace_id>/samples/", apis.TraceSamplesApi.as_view(), name="api-trace-samples"
    ),
    path("clips/<int:clip_id>/", apis.ClipDetailApi.as_view(), name="api-clip"),
    path("projects/<slug:slug>/releases/", release_apis.ReleasesApi.as_view(), name="api-releases"),
    path(
        "releases/<int:release_id>/",
        release_apis.ReleaseDetailApi.as_view(),
        name="api-release-detail",
    ),
    path(
        "releases/<int:release_id>/retry/",
        release_apis.ReleaseRetryApi.as_view(),
        name="api-release-retry",
    ),
    path(
        "releases/<int:release_id>/download/",
        release_apis.ReleaseDownloadApi.as_view(),
        name="api-release-download",
    ),
    path(
        "releases/<int:release_id>/score/",
        release_apis.ReleaseScoreApi.as_view(),
        name="api-release-score",
    ),
    path("clips/<int:clip_id>/traces/", apis.ClipTracesApi.as_view(), name="api-clip-traces"),
    *[
        path(
            f"projects/<slug:slug>/dashboard/{panel}/",
            getattr(dashboard_apis, f"Dashboard{panel.title()}Api").as_view(),
            name=f"api-dashboard-{panel}",
        )
        for panel in ("progress", "agreement", "annotators", "routing", "imports")
    ],
    path("clips/<int:clip_id>/reopen/", apis.ClipReopenApi.as_view(), name="api-clip-reopen"),
    path("projects/<slug:slug>/uploads/", clip_apis.UploadsApi.as_view(), name="api-uploads"),
    path("uploads/<uuid:upload_id>/", clip_apis.UploadApi.as_view(), name="api-upload"),
    path(
        "projects/<slug:slug>/label-imports/",
        import_apis.LabelImportsApi.as_view(),
        name="api-label-imports",
    ),
    path(
        "label-imports/<int:job_id>/", import_apis.LabelImportApi.as_view(), name="api-label-import"
    ),
    path(
        "label-imports/<int:job_id>/confirm/",
        import_apis.LabelImportConfirmApi.as_view(),
        name="api-label-import-confirm",
    ),
]
