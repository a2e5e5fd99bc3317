from portal.orgs import factories as f
from portal.orgs.models import Pairing
from portal.orgs.selectors import enterprise_ids_for_commissioner, region_scope_for


def test_it_gives_dora_her_district_and_its_towns_but_not_fangzi(dora, kuiwen, kuiwen_town, fangzi, city):
    scope = set(region_scope_for(dora))
    assert {kuiwen, kuiwen_town} <= scope
    assert fangzi not in scope
    assert city not in scope


def test_it_gives_the_city_supervisor_every_region(dave, city, kuiwen, kuiwen_town, fangzi):
    assert set(region_scope_for(dave)) == {city, kuiwen, kuiwen_town, fangzi}


def test_it_gives_dan_fangzi_only(dan, fangzi, kuiwen, kuiwen_town):
    assert set(region_scope_for(dan)) == {fangzi}


def test_it_gives_people_without_the_supervisor_role_nothing(bob, kuiwen):
    f.supervise(bob, kuiwen)  # a stray scope row does not make bob a supervisor
    assert not region_scope_for(bob).exists()


def test_it_moves_the_subtree_when_a_district_changes_parent(city, kuiwen, kuiwen_town, fangzi, dan):
    kuiwen.parent = fangzi
    kuiwen.save()
    kuiwen_town.refresh_from_db()
    assert kuiwen_town.path == "/370700/370704/370705/370705001/"
    assert kuiwen_town in set(region_scope_for(dan))


def test_it_forgets_pairings_that_have_ended(bob, acme):
    assert acme.pk in {row["enterprise_id"] for row in enterprise_ids_for_commissioner(bob)}
    Pairing.objects.filter(commissioner=bob).update(ends_on="2020-12-31")
    assert not enterprise_ids_for_commissioner(bob).exists()
