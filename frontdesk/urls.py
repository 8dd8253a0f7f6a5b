from django.urls import path

from frontdesk import views

app_name = "frontdesk"

urlpatterns = [
    path("mon-accueil/", views.desk_choose, name="desk"),
    path("mon-accueil/choisir/", views.desk_set, name="desk-set"),
    path("mon-accueil/retirer/", views.desk_clear, name="desk-clear"),
    path("selection/", views.selection_list, name="selection"),
    path("selection/ajouter/", views.selection_add, name="selection-add"),
    path("selection/retirer/", views.selection_remove, name="selection-remove"),
    path("selection/vider/", views.selection_clear, name="selection-clear"),
    path("selection/fiche/", views.handout, name="handout"),
    path("quartiers/<slug:slug>/guide/", views.neighbourhood_guide, name="guide"),
    path("carte/", views.map_page, name="map"),
    path("structures/<slug:slug>/contact.vcf", views.structure_vcard, name="vcard"),
]
