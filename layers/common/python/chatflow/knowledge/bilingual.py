"""The other language's words for a question's search terms, so that the full-text arm finds an
English passage from a Spanish question and the reverse ("¿Tienen estacionamiento?" holds no word of
"Parking").

A small generic lexicon of everyday business words (opening hours, days, money, booking, contact,
place, delivery, the common words of shops, restaurants, clinics and garages), written as a phrasebook
would be. On bench/rag_eval.py only the tuning half was read while writing it (a few of its words came
from that half's misses: "grua", "limpieza", "lavado"), never the held-out half; which is why the
tuning half's gain overstates it (docs/knowledge.md, *Retrieval quality, measured*). Each line is an
English word and its Spanish words, folded (chatflow.knowledge.folding.fold); a plural finds its entry.
"""

from __future__ import annotations

import functools

__all__ = ["translations"]

_LEXICON = """
open abrir abierto abren abre
close cerrar cerrado cierran cierra
hour hora horario
schedule horario
today hoy
tomorrow manana
day dia
week semana
weekend fin
month mes
year ano
morning manana
afternoon tarde
evening noche
night noche
early temprano
late tarde
monday lunes
tuesday martes
wednesday miercoles
thursday jueves
friday viernes
saturday sabado
sunday domingo
holiday feriado festivo
christmas navidad
price precio
cost costo cuesta
cheap barato
expensive caro
free gratis gratuito
discount descuento
payment pago
pay pagar
cash efectivo
card tarjeta
credit credito
debit debito
installment plazo cuota
financing financiamiento
insurance seguro
fee cargo tarifa
tip propina
refund reembolso devolucion
receipt recibo
invoice factura
bill factura cuenta
deposit deposito
appointment cita
book reservar
booking reserva
reservation reserva
cancel cancelar
cancellation cancelacion
reschedule reprogramar
wait esperar espera
waiting espera
phone telefono
call llamar llamada
email correo
text mensaje
message mensaje
address direccion
location ubicacion
parking estacionamiento parqueo
park estacionar
street calle
near cerca
downtown centro
delivery entrega domicilio
deliver entregar
pickup recoger
order pedido ordenar
online linea
website web pagina
ship enviar
shipping envio
gift regalo
card tarjeta
loyalty lealtad
points puntos
reward premio recompensa
member miembro socio
membership membresia
child nino
children ninos
kid nino
baby bebe
family familia
pet mascota
dog perro
wheelchair silla
accessible accesible
bathroom bano
restroom bano
wifi wifi
language idioma
english ingles
spanish espanol
staff personal
employee empleado
job trabajo empleo
hiring contratando
manager gerente
owner dueno
customer cliente
service servicio
quality calidad
warranty garantia
guarantee garantia
repair reparar reparacion arreglar
fix arreglar
replace cambiar reemplazar
change cambiar cambio
check revisar revision
inspection inspeccion
estimate presupuesto estimado
quote cotizacion presupuesto
part pieza repuesto
new nuevo
used usado
food comida
drink bebida
coffee cafe
tea te
milk leche
sugar azucar
bread pan
cake pastel torta
breakfast desayuno
lunch almuerzo
dinner cena
menu menu
vegan vegano
vegetarian vegetariano
gluten gluten
allergy alergia
catering catering
party fiesta
birthday cumpleanos
wedding boda
event evento
table mesa
seat asiento
outdoor afuera
doctor doctor medico
dentist dentista
tooth diente
teeth dientes
pain dolor
emergency emergencia urgencia
cleaning limpieza
clean limpiar
visit visita
patient paciente
first primera primero
exam examen
pregnant embarazada
medicine medicina
prescription receta
car carro auto coche
truck camioneta camion
tire llanta neumatico
oil aceite
brake freno
battery bateria
engine motor
light luz
wash lavado lavar
tow grua remolque
ride llevar
loaner prestado
noise ruido
leak fuga
water agua
air aire
heat calor
cold frio
broken roto
safe seguro
help ayuda ayudar
question pregunta
size tamano
big grande
small pequeno
long largo
time tiempo
minute minuto
"""


@functools.cache
def _lexicon() -> dict[str, frozenset[str]]:
    """Each word of the lexicon -> its words in the other language (an English word's Spanish words,
    a Spanish word's English words; never synonyms in its own language, which would weigh one of the
    question's terms as several in the full-text arm's rank)."""
    table: dict[str, set[str]] = {}
    for line in _LEXICON.strip().splitlines():
        english, *spanish = line.split()
        table.setdefault(english, set()).update(spanish)
        for word in spanish:
            table.setdefault(word, set()).add(english)
    return {word: frozenset(others - {word}) for word, others in table.items()}


def translations(term: str) -> tuple[str, ...]:
    """The lexicon's words for a folded search term in the other language (a plural finds its
    singular: "sabados", "llantas", "tires"); () when the lexicon does not know it."""
    lexicon = _lexicon()
    for form in (term, term[:-1] if term.endswith("s") else "", term[:-2] if term.endswith("es") else ""):
        if form in lexicon:
            return tuple(sorted(lexicon[form] - {term}))
    return ()
