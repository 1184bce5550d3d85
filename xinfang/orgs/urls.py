from xinfang.orgs import people_urls, unit_urls

app_name = "orgs"
urlpatterns = [*unit_urls.urlpatterns, *people_urls.urlpatterns]
